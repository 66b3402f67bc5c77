/** A Kubernetes object as the API server returns it, kept as plain JSON so no field is lost on the way back. */
export type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace?: string
    resourceVersion?: string
    uid?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    creationTimestamp?: string
    [key: string]: unknown
  }
  spec?: Record<string, unknown>
  [key: string]: unknown
}
