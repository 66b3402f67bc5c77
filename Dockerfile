# syntax=docker/dockerfile:1
# The image `install --image IMAGE` runs: the plugin's single-file bundle on the official Node image, nothing else.
# Build: docker build -t ghcr.io/OWNER/kubectl-maintenance:VERSION .
# The default install needs no image of ours: it runs the same bundle from a ConfigMap on node:24.21.0-alpine.

# Keep in step with NODE_IMAGE in src/install/manifests.ts: the runtime the bundle is built and tested for.
ARG NODE_IMAGE=node:24.21.0-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run the full build before the sources are here; esbuild's binary comes from its
# platform package, which needs no install script.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/build-bundle.ts scripts/
COPY templates templates
COPY src src
RUN npx tsx scripts/build-bundle.ts \
 && node dist/kubectl-maintenance.mjs --version

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="kubectl-maintenance" \
      org.opencontainers.image.description="Scheduled maintenance pages for Kubernetes Ingress, IngressRoute, HTTPRoute and Service" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build --chown=0:0 --chmod=0444 /src/dist/kubectl-maintenance.mjs /app/kubectl-maintenance.mjs
# The image's `node` user: non-root, and the UID the CronJob's securityContext sets (runAsUser 1000).
USER 1000:1000
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /tmp
ENTRYPOINT ["node", "/app/kubectl-maintenance.mjs"]
CMD ["reconcile", "-A", "--horizon", "55s"]
