#!/usr/bin/env bash
# Makes sure something answers on REDIS_URL. When nothing does and the URL points at this machine,
# starts a local redis-server (installing it with apt-get when missing and we are allowed to).
set -euo pipefail
url=${REDIS_URL:-redis://127.0.0.1:6379}
hostport=${url#redis://}; hostport=${hostport##*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [[ $port == "$hostport" ]] && port=6379

answers() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 1 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

if answers; then echo "redis: using $url"; exit 0; fi
case $host in 127.0.0.1|localhost) ;; *) echo "redis: nothing answers on $url and it is not local; start it or set REDIS_URL" >&2; exit 1;; esac

if ! command -v redis-server >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "redis: installing redis-server with apt-get"
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis: redis-server is not installed; install it (apt-get install redis-server, brew install redis) or set REDIS_URL" >&2
    exit 1
  fi
fi

dir=.dev/redis-$port
mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/$dir" --daemonize yes --pidfile "$PWD/$dir/redis.pid" \
  --logfile "$PWD/$dir/redis.log" --appendonly yes >/dev/null
for _ in $(seq 1 50); do answers && { echo "redis: started redis-server on $host:$port (data in $dir, stop with: kill \$(cat $dir/redis.pid))"; exit 0; }; sleep 0.1; done
echo "redis: redis-server did not come up; see $dir/redis.log" >&2
exit 1
