#!/bin/sh
# Runs the linux-patch-api agent with the system's Node.js.
exec /usr/bin/node /usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/{{CLI}} "$@"
