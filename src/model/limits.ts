/** Size caps, each defined once. */

/** A ConfigMap's data and binaryData together may not exceed 1 MiB (the API server rejects larger ones). */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024

/**
 * A custom page's templates and assets together. The backend ConfigMap rendered from them holds the same assets plus
 * the three rendered bodies and nginx.conf, which need the rest of the 1 MiB; `page create` and the engine check the same cap.
 */
export const MAX_PAGE_BYTES = 768 * 1024

/**
 * What one rendered body (HTML, JSON or XML) may take: no more than a whole ConfigMap holds. It stops one runaway
 * render early; whether the bodies, nginx.conf and assets fit together is the backend's check.
 */
export const MAX_RENDERED_BYTES = CONFIGMAP_LIMIT_BYTES
