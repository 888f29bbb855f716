# longhaul's API and worker (see docker-compose.yml). Both run TypeScript directly through tsx,
# so there is no build step: the image is the source plus its production npm packages.

FROM node:20-bookworm-slim AS deps
# better-sqlite3 is a native addon: npm normally fetches a prebuilt binary, and falls back to
# compiling it with node-gyp, which needs these. They stay in this stage, out of the final image.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the locked versions; dev tools (jest, eslint, typescript...) are not needed to run.
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
# python3 for the Python 3 runtime, curl for custom runtimes' bootstraps (SCF's examples use it).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
# A fixed, unprivileged user. /data is created and owned by it before VOLUME, so a fresh named
# volume mounted there starts out writable by it.
RUN groupadd --system longhaul \
  && useradd --system --gid longhaul --home-dir /app --no-create-home --shell /usr/sbin/nologin longhaul \
  && mkdir -p /data \
  && chown longhaul:longhaul /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER longhaul
ENV LONGHAUL_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 9000
# docker-compose.yml picks the API or the worker; the API is the default.
CMD ["node_modules/.bin/tsx", "src/main/api.ts"]
