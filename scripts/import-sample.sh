#!/usr/bin/env bash
# Rebuilds the sample catalog's listings from the third-party registry snapshots in
# ../shared/anchors (see their README for sources and licences). The result is committed;
# `npm run build` needs none of this. Re-running it is a no-op: unchanged files are not rewritten.
#
#   npm run sample:import [-- ANCHORS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
anchors="${1:-../shared/anchors}"
catalog() { node pipeline/cli.ts "$@"; }
join() { local IFS=,; echo "$*"; }

official=(
  io.github.sooperset/mcp-atlassian io.github.qdrant/mcp-server-qdrant io.github.mongodb-js/mongodb-mcp-server
  io.github.neondatabase/mcp-server-neon io.github.grafana/mcp-grafana io.github.heroku/heroku-mcp-server
  io.github.semgrep/mcp io.github.exa-labs/exa-mcp-server io.github.kagisearch/kagimcp io.github.pinecone-io/pinecone-mcp
  io.github.meilisearch/meilisearch-mcp io.github.pydantic/logfire-mcp io.github.dynatrace-oss/dynatrace-mcp
  io.github.chroma-core/chroma-mcp io.github.flux159/mcp-server-kubernetes io.github.gleanwork/mcp-server
  io.github.xeroapi/xero-mcp-server io.github.apify/actors-mcp-server io.github.motherduckdb/mcp-server-motherduck
  io.github.zilliztech/mcp-server-milvus io.github.run-llama/mcp-server-llamacloud io.github.codacy/codacy-mcp-server
  io.github.box-community/mcp-server-box io.github.ramp-public/ramp-mcp io.github.tinyfish-io/agentql-mcp
  io.github.arize-ai/phoenix io.github.integromat/make-mcp-server
)
mcpm=(
  brave-search git sqlite puppeteer slack google-maps
  fetch filesystem memory sequential-thinking tavily-mcp e2b-mcp-server elevenlabs-mcp firecrawl
  mcp-clickhouse mcp-jetbrains context7 notion obsidian-markdown-notes mcp-installer
)
docker=(
  aws-documentation buildkite cloudflare-docs deepwiki desktop-commander dockerhub duckduckgo hugging-face
  kubectl-mcp-server metabase microsoft-learn miro-remote notion-remote gitmcp astro-docs asana find-a-domain
  mercado-pago cloud-run-mcp inspektor-gadget
)

catalog import --from official "$anchors/official-registry/seed_358_2025-10-03_camelCase.json" --out . \
  --upstream-commit 843783ac18ad4e39c27e21e15b4789ba03a96800 --upstream-path data/seed.json --only "$(join "${official[@]}")"
# The current seed: airtable-mcp-server in two released versions, and NuGet and PyPI examples.
catalog import --from official "$anchors/official-registry/seed_current_4_2025-12-11.json" --out . \
  --upstream-commit 29e32c39dcb5e0e2b43974089d959fcc4794eb6d --upstream-path data/seed.json
catalog import --from mcpm "$anchors/mcpm-registry/servers" --out . \
  --upstream-commit bdd5ed9874d321248aa7c151d87323bfb2ee354f --only "$(join "${mcpm[@]}")"
catalog import --from docker "$anchors/docker-mcp-registry/servers" --out . \
  --upstream-commit 818bf169b365e7b7d5b117352e32757c54844718 --only "$(join "${docker[@]}")"
