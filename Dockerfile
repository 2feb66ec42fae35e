# syntax=docker/dockerfile:1
# The Mesitis broker image: `mesitis serve` as user 1000, production
# dependencies only, nothing written to the root filesystem at run time.
#
#   docker build -t mesitis:0.1.0 .
#
# test/deploy/dockerfile.test.ts replays the production stages of this file
# without a container engine; keep to WORKDIR, COPY, RUN npm ci, ENV, USER,
# EXPOSE, ENTRYPOINT and CMD so it can.

ARG NODE_IMAGE=node:20-bookworm-slim

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

# 3. The runtime: node, production node_modules, the compiled broker.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
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
