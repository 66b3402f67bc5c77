// Imported dynamically by kubeconfig.ts: a named re-export lets the bundler keep only what KubeConfig needs of
// client-node, where `import('@kubernetes/client-node')` would pull in all of it.
export {KubeConfig} from '@kubernetes/client-node'
