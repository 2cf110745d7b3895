# A Todone worker: Node 20, git, bubblewrap (Todone's confinement of agents); agent CLIs optional.
#   docker build --build-arg AGENT_CLIS="@anthropic-ai/claude-code @openai/codex" -t todone-worker .
FROM node:20.18-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends git bubblewrap ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies only (devDependencies hold the test-only agent CLIs and tooling); the build needs TypeScript.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

ARG AGENT_CLIS=""
RUN if [ -n "$AGENT_CLIS" ]; then npm install -g --no-audit --no-fund $AGENT_CLIS; fi

USER node
ENV TODONE_HOME=/home/node/.local/share/todone
RUN mkdir -p "$TODONE_HOME"
ENTRYPOINT ["node", "/app/bin/todone.js"]
CMD ["worker"]
