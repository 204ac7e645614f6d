# One multi-arch image (linux/arm64 for the Graviton EC2 pools, linux/amd64 for Fargate Spot) that
# runs every service: `agentfleet worker` (default), `agentfleet api`, `agentfleet scaler`.
#   docker buildx build --platform linux/arm64,linux/amd64 -t agentfleet .
# test/deploy/dockerfile.test.ts replays these steps (npm ci, build, prune, start each service).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-build-assets.mjs scripts/
COPY services services
COPY environments environments
# The environments size their slots from the footprints in the agents file they deploy.
COPY examples/agents/agents.json examples/agents/agents.json
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
USER node
# Workers drain on SIGTERM; node as PID 1 receives it directly.
ENTRYPOINT ["node", "bin/agentfleet.js"]
CMD ["worker"]
