#!/usr/bin/env bash
# Copy the npm-installed front-end assets into static/vendor (git-ignored). Never a CDN:
# government intranets are often air-gapped.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/htmx" "$dest/leaflet" "$dest/echarts" "$dest/leaflet.markercluster" "$dest/leaflet.heat"
cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map "$dest/bootstrap/css/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map "$dest/bootstrap/js/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css \
  node_modules/leaflet/dist/images "$dest/leaflet/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/leaflet.markercluster.js.map \
  node_modules/leaflet.markercluster/dist/MarkerCluster.css node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
  "$dest/leaflet.markercluster/"
cp node_modules/leaflet.heat/dist/leaflet-heat-global.js node_modules/leaflet.heat/dist/leaflet-heat-global.js.map "$dest/leaflet.heat/"
echo "front-end assets copied into $dest"
