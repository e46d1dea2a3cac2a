# syntax=docker/dockerfile:1
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY test ./test
COPY bench ./bench
COPY examples ./examples
COPY web ./web
# The service and the dashboard it serves at / (dist/dashboard).
RUN npm run build

FROM node:20-slim
# Fashion-MNIST, the default dataset of the tfjs-trainer evaluator. libvulkan1 and libegl1
# are the Vulkan and EGL loaders the webgpu backend (Dawn) opens a GPU through; the
# driver's own libraries and its Vulkan ICD come from the host, mounted by the NVIDIA
# container runtime when NVIDIA_DRIVER_CAPABILITIES includes `graphics`.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends dataset-fashion-mnist libvulkan1 libegl1 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 GRAPHNAS_DATA_DIR=/data LOG_FORMAT=json \
  NVIDIA_DRIVER_CAPABILITIES=compute,graphics,utility
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY resources ./resources
COPY examples ./examples
COPY schema.graphql ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The API listens on every interface of the container, so it refuses to start until
# someone can authenticate: pass -e GRAPHNAS_ADMIN_KEY=gnk_… (or -e GRAPHNAS_AUTH=off).
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
