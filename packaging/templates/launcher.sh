#!/bin/sh
# Runs the linux-patch-api agent with the system's Node.js.
# --max-semi-space-size=4 caps V8's young generation at 4 MiB per semi-space (Node 20 lets it grow
# to 16 under load and keeps it): an agent that has served requests stays about 20 MiB smaller, at
# no measurable CPU cost per request (a cap of 1 or 2 MiB made each request cost more).
exec /usr/bin/node --max-semi-space-size=4 /usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/{{CLI}} "$@"
