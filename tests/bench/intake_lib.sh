# What the intake benchmarks share (sourced by tests/bench/intake and tests/bench/intake_pg):
# free ports, wrk's result line, nginx as the reference, CPU time of processes and of the
# machine. Expects TMP, LUA, DURATION, CONNECTIONS, WRK_THREADS, NGINX_WORKERS and a PIDS array.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_wrk NAME URL [WORKLOAD [RUN_ID [THREADS [CONNECTIONS]]]] -> sets RPS P50 P99 P999 BAD REQS
# from the Lua done() line
run_wrk() {
  local name=$1 url=$2 workload=${3:-api} run_id=${4:-0} line
  wrk -t"${5:-$WRK_THREADS}" -c"${6:-$CONNECTIONS}" -d"$DURATION" --latency -s "$LUA" "$url" \
    -- "$workload" "$run_id" > "$TMP/$name.wrk" 2>&1
  line=$(grep '^RESULT ' "$TMP/$name.wrk" || true)
  [ -n "$line" ] || { echo "intake: wrk against $name printed no result:"; cat "$TMP/$name.wrk"; exit 1; }
  read -r _ RPS P50 P99 P999 BAD REQS <<<"$line"
}

# nginx_reference -> N_RPS N_P50 N_P99 N_P999 N_BAD: a static 200 for the same requests
nginx_reference() {
  local port
  port=$(free_port)
  mkdir -p "$TMP/nginx/logs"
  cat > "$TMP/nginx/nginx.conf" <<NGINX
worker_processes $NGINX_WORKERS;
error_log $TMP/nginx/logs/error.log warn;
pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 '{"ok":true}'; }
  }
}
NGINX
  nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -g 'daemon off;' &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  run_wrk nginx "http://127.0.0.1:$port/v1/messages"
  N_RPS=$RPS N_P50=$P50 N_P99=$P99 N_P999=$P999 N_BAD=$BAD
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
}

# cpu_ticks PID -> the process's user + system CPU so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
# machine_ticks -> "busy total" clock ticks of all cores so far (/proc/stat)
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
