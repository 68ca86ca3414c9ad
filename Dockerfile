# xetra-etl: the weekly Xetra report job as a container image.
#
#   docker build -t xetra-etl:1.0.0 .
#   docker run --rm --read-only -v "$PWD/my-prod.yml:/config/prod.yml:ro" \
#     -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY xetra-etl:1.0.0
#
# Two stages on one pinned Node LTS base: `build` type-checks and bundles with the dev dependencies, the runtime
# stage installs the production dependencies only and takes nothing from `build` but dist/.
# configs/prod.yml is the default config at /config/prod.yml; mount another over it (Kubernetes: the ConfigMap).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache is a build cache mount: shared by both stages, never part of a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/warm-s3-code.ts ./scripts/
COPY src ./src
RUN npm run build

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
# glibc gives each thread its own malloc arena, and the parsing threads' freed buffers stay spread over them:
# two arenas took a 19 M-row run's peak from 231-234 to 206-207 MiB from S3 (188-195 to 174-176 from local files),
# at the same speed.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
  && rm -rf /tmp/node-compile-cache
COPY --from=build /app/dist ./dist
# A default config where CMD looks for it (the original's image had none). Mounting a folder at /config (the
# Kubernetes ConfigMap, or `docker run -v ./my.yml:/config/prod.yml:ro`) replaces it.
COPY configs/prod.yml /config/prod.yml
# The image's own non-root user (uid/gid 1000). Nothing under /app is writable by it, and the job writes no
# file at all, so it runs with a read-only root file system.
USER node
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["--config", "/config/prod.yml"]
