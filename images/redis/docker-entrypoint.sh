#!/bin/sh
# Same contract as the official redis image's entrypoint, so stacks behave alike on both:
# a first argument that is an option or a .conf file runs redis-server; as root, the
# working directory is handed to the redis user and the server drops privileges.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis:redis '{}' +
  exec gosu redis "$0" "$@"
fi
exec "$@"
