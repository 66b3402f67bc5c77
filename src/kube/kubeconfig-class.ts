// Imported dynamically by kubeconfig.ts, from the module that defines KubeConfig: client-node's index re-exports every
// API client and watcher, which the bundle would otherwise carry and evaluate on every start (see scripts/build-bundle.ts).
export {KubeConfig} from '@kubernetes/client-node/dist/config.js'
