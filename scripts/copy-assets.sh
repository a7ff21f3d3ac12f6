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
# The field app's offline parts: Workbox for the service worker (workbox-sw loads its modules from
# this folder, never from Google's CDN: modulePathPrefix in the service worker), idb for the outbox
# in IndexedDB, exifr to read a photo's GPS position on the phone (also without signal).
mkdir -p "$dest/workbox" "$dest/idb" "$dest/exifr"
# With their source maps: the files name them, and collectstatic's manifest storage needs every
# file a static file refers to.
cp node_modules/workbox-sw/build/workbox-sw.js node_modules/workbox-sw/build/workbox-sw.js.map "$dest/workbox/"
for module in core routing strategies precaching expiration cacheable-response; do
  cp "node_modules/workbox-$module/build/workbox-$module.prod.js" \
    "node_modules/workbox-$module/build/workbox-$module.prod.js.map" "$dest/workbox/"
done
cp node_modules/idb/build/umd.js "$dest/idb/idb.umd.js"
cp node_modules/exifr/dist/lite.umd.js "$dest/exifr/exifr.lite.umd.js"
echo "front-end assets copied into $dest"
