# syntax=docker/dockerfile:1
# The Mesitis broker image: `mesitis serve` as user 1000, production
# dependencies only, nothing written to the root filesystem at run time.
#
#   docker build -t mesitis:0.1.0 .
#
# test/deploy/dockerfile.test.ts replays the production stages of this file
# without a container engine; keep to WORKDIR, COPY, RUN npm ci, ENV, USER,
# EXPOSE, ENTRYPOINT and CMD so it can (the helm stage it stands in for with
# the helm the tests build from the same go.mod).

ARG NODE_IMAGE=node:20-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm

# 0. helm, which the broker drives for Helm-chart offerings: built from its Go
#    module, never a downloaded release binary. tools/helm/go.mod and go.sum
#    pin helm 4 and every dependency by checksum; the version is stamped as
#    helm's Makefile does.
FROM ${GO_IMAGE} AS helm
WORKDIR /helm
COPY tools/helm/go.mod tools/helm/go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    version="$(go list -m -f '{{.Version}}' helm.sh/helm/v4)" && \
    CGO_ENABLED=0 GOTOOLCHAIN=local go build -mod=readonly -trimpath -buildvcs=false \
      -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=${version} -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
      -o /out/helm helm.sh/helm/v4/cmd/helm

# 1. Compile TypeScript with the full (dev) dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only, from the lock file; no install scripts
#    (the package's own `prepare` would try to compile).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# 3. The runtime: node, helm, production node_modules, the compiled broker.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# On PATH, where the broker looks for `helm` unless told otherwise (MESITIS_HELM).
COPY --from=helm /out/helm /usr/local/bin/helm
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /src/dist ./dist
# The example provider setup, so `docker run IMAGE dev` shows a working broker.
COPY examples ./examples
# Numeric, so Kubernetes can verify runAsNonRoot (1000 is the image's `node` user).
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/mesitis.js"]
CMD ["serve"]
