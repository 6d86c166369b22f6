#!/usr/bin/env bash
# The Ansible roles for real: ansible-lint with the production profile and
# --syntax-check on every playbook; then a whole deployment converged on this
# machine (connection local), each "host" in a throwaway root-owned prefix of
# its own, service management off (no systemd here):
# - deploy-ingest.yml on host `server`: nodepulse from this build's cpack
#   archive, a redis-server config and unit (AOF, fsync always), a role and a
#   database made in a PostgreSQL this test runs, the schema migrated, the
#   ingest and digest configs (check-config) and hardened units;
# - deploy-agent.yml on hosts `agent-a` and `agent-b`: node_exporter from an
#   archive of Debian's binary and the agent, each with its own token issued
#   by `nodepulse token add` on `server`; agent-a's client certificate signed
#   by the private CA the ingest role made (mutual TLS), agent-b's made from
#   that CA by hand and given as files; on agent-a also the postgres, redis,
#   blackbox and process exporter roles, against this test's PostgreSQL,
#   the server's redis-server, a probe of the ingest's /healthz and the
#   Node Pulse processes.
# Files, users, modes and rendered configs are checked; everything is started
# as its unit says; the roles' verify tasks pass; rows of both agents and of
# the four exporters land in PostgreSQL; revoking agent-a's token refuses it
# while agent-b carries on; a second converge of both playbooks changes
# nothing (and runs the exporter roles' verify tasks), and neither does
# --check --diff.
# Usage: ansible_roles.sh BUILD_DIR SOURCE_DIR NODEPULSE_BINARY
set -euo pipefail
build=$1 src=$2 nodepulse=$3
. "$src/integration/support/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "the converge makes users and chowns files: run as root"
for tool in ansible-playbook ansible-lint cpack openssl python3 redis-server runuser psql; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/bootstrap installs it)"
done
getent passwd redis >/dev/null || fail "no redis user: scripts/bootstrap installs redis-server"

users=(np-test-srv-$$ np-test-exp-a-$$ np-test-agent-a-$$ np-test-exp-b-$$ np-test-agent-b-$$
       np-test-pgx-$$ np-test-rdx-$$ np-test-bbx-$$ np-test-prx-$$)
server_user=${users[0]}
work=$(mktemp -d /tmp/nodepulse-ansible-XXXXXX)
chmod 0755 "$work" # the nodes' users read below it
for host in server agent-a agent-b; do mkdir -m 0755 "$work/$host"; done
cleanup() {
  stop_all
  stop_postgres
  for user in "${users[@]}"; do
    userdel "$user" 2>/dev/null || true
    groupdel "$user" 2>/dev/null || true
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cd "$src/ansible"
echo "== ansible-lint --profile production"
ansible-lint --offline --profile production >"$work/lint.log" 2>&1 || { cat "$work/lint.log"; fail "ansible-lint"; }
for playbook in playbooks/*.yml; do
  ansible-playbook --syntax-check -i localhost, "$playbook" >/dev/null || fail "syntax: $playbook"
done

echo "== archives: node_exporter from Debian's binary, nodepulse from cpack"
version=$(/usr/bin/prometheus-node-exporter --version 2>&1 | sed -n 's/^node_exporter, version \([0-9.]*\) .*/\1/p')
[ -n "$version" ] || fail "cannot read the version of Debian's prometheus-node-exporter"
mirror=$work/mirror
mkdir -p "$mirror/node_exporter-$version.linux-amd64"
cp /usr/bin/prometheus-node-exporter "$mirror/node_exporter-$version.linux-amd64/node_exporter"
tar -C "$mirror" -czf "$mirror/node_exporter-$version.linux-amd64.tar.gz" "node_exporter-$version.linux-amd64"
exporter_sum=$(sha256sum "$mirror/node_exporter-$version.linux-amd64.tar.gz" | cut -d' ' -f1)
(cd "$build" && cpack -G "TGZ;DEB" -B "$work/cpack" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/cpack/nodepulse_*.deb)
contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/nodepulse ./usr/bin/nodepulse-agent ./usr/share/nodepulse/examples/agent.yml; do
  [[ $contents == *" $file"$'\n'* ]] || fail "$deb lacks $file"
done
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends == *libcaf-core* && $depends == *libpq5* ]] || fail "$deb: Depends lacks CAF or libpq: $depends"
cp "$work"/cpack/nodepulse-*-Linux.tar.gz "$mirror/nodepulse.tar.gz"
nodepulse_sum=$(sha256sum "$mirror/nodepulse.tar.gz" | cut -d' ' -f1)
http_port=$(free_port)
start_bg python3 -m http.server --bind 127.0.0.1 --directory "$mirror" "$http_port" >"$work/http.log" 2>&1
wait_http "http://127.0.0.1:$http_port/nodepulse.tar.gz"

echo "== an existing PostgreSQL (the role makes the role and the database in it)"
start_postgres "$work/pg" -c fsync=off
ports() { for _ in $(seq 1 "$1"); do free_port; done | sort -u | tr '\n' ' '; }
read -r redis_port ingest_port ingest_status digest_status exporter_a agent_a exporter_b agent_b spare_port \
  pgx_port rdx_port bbx_port prx_port <<<"$(ports 13)"
[ -n "$prx_port" ] || fail "could not find 13 distinct free ports"
srv=$work/server
cat >"$work/inventory.yml" <<YML
all:
  vars:
    nodepulse_agent_archive_url: "http://127.0.0.1:$http_port/nodepulse.tar.gz"
    nodepulse_agent_checksum: "sha256:$nodepulse_sum"
  children:
    ingest:
      hosts:
        server:
          ansible_connection: local
          nodepulse_prefix: "$srv"
          nodepulse_user: "$server_user"
          nodepulse_install_dir: /opt/nodepulse
          nodepulse_manage_service: false
          nodepulse_valkey_port: $redis_port
          nodepulse_valkey_url: "redis://127.0.0.1:$redis_port"
          nodepulse_postgres_host: 127.0.0.1
          nodepulse_postgres_port: $pg_port
          nodepulse_postgres_admin_role: nodepulse
          nodepulse_postgres_dsn: "postgresql://$server_user@127.0.0.1:$pg_port/nodepulse"
          nodepulse_ingest_listen: "127.0.0.1:$ingest_port"
          nodepulse_ingest_status_listen: "127.0.0.1:$ingest_status"
          nodepulse_ingest_token_cache_ttl: 1s
          nodepulse_ingest_ca: true
          nodepulse_ingest_tls_names: ["127.0.0.1"]
          nodepulse_digest_status_listen: "127.0.0.1:$digest_status"
    agents:
      vars:
        ansible_connection: local
        node_exporter_version: "$version"
        node_exporter_arch: amd64
        node_exporter_mirror_url: "http://127.0.0.1:$http_port/"
        node_exporter_checksum: "sha256:$exporter_sum"
        node_exporter_manage_service: false
        nodepulse_agent_install_dir: /opt/nodepulse
        nodepulse_agent_endpoint: "https://127.0.0.1:$ingest_port/metrics/prometheus"
        nodepulse_agent_interval: 1s
        nodepulse_agent_token_issuer: server
        nodepulse_agent_token_issue_command: >-
          runuser -u $server_user -- $srv/opt/nodepulse/bin/nodepulse token add -c $srv/etc/nodepulse/ingest.yml
        nodepulse_agent_manage_service: false
      hosts:
        agent-a:
          node_exporter_port: $exporter_a
          node_exporter_user: "${users[1]}"
          node_exporter_prefix: "$work/agent-a"
          nodepulse_agent_user: "${users[2]}"
          nodepulse_agent_prefix: "$work/agent-a"
          nodepulse_agent_status_listen: "127.0.0.1:$agent_a"
          nodepulse_agent_endpoints:
            - url: "http://127.0.0.1:$exporter_a/metrics"
              name: node_exporter
              rule_set: node_exporter
              metric_relabel_configs:
                - {action: drop, source_labels: [__name__], regex: "node_pressure_.*"}
          nodepulse_agent_discover: true
          nodepulse_agent_discover_ports:
            - {port: $spare_port, name: spare_exporter}
          nodepulse_agent_ca_issuer: server
          nodepulse_agent_ca_dir: "$srv/etc/nodepulse/ca"
          # The plan's four further exporters, against real targets: this
          # test's PostgreSQL, the server's redis-server, a probe of the
          # ingest's /healthz, the Node Pulse processes.
          nodepulse_exporters: [postgres, redis, blackbox, process]
          exporters_prefix: "$work/agent-a"
          exporters_manage_service: false
          exporters_verify: false # started by the test; the second converge verifies
          postgres_exporter_listen: "127.0.0.1:$pgx_port"
          postgres_exporter_user: "${users[5]}"
          postgres_exporter_dsn: "postgresql://postgres_exporter@127.0.0.1:$pg_port/postgres?sslmode=disable"
          postgres_exporter_admin_host: 127.0.0.1
          postgres_exporter_admin_port: $pg_port
          postgres_exporter_admin_role: nodepulse
          redis_exporter_listen: "127.0.0.1:$rdx_port"
          redis_exporter_user: "${users[6]}"
          redis_exporter_redis_url: "redis://127.0.0.1:$redis_port"
          blackbox_exporter_listen: "127.0.0.1:$bbx_port"
          blackbox_exporter_user: "${users[7]}"
          blackbox_exporter_modules:
            http_ingest:
              prober: http
              timeout: 5s
              http:
                tls_config:
                  ca_file: "$work/probe-ca.pem"
          blackbox_exporter_targets:
            - {name: ingest, url: "https://127.0.0.1:$ingest_status/healthz", module: http_ingest}
          process_exporter_listen: "127.0.0.1:$prx_port"
          process_exporter_user: "${users[8]}"
          process_exporter_names:
            - {name: nodepulse, comm: [nodepulse]}
        agent-b:
          node_exporter_port: $exporter_b
          node_exporter_user: "${users[3]}"
          node_exporter_prefix: "$work/agent-b"
          nodepulse_agent_user: "${users[4]}"
          nodepulse_agent_prefix: "$work/agent-b"
          nodepulse_agent_status_listen: "127.0.0.1:$agent_b"
          nodepulse_agent_endpoints:
            - url: "http://127.0.0.1:$exporter_b/metrics"
              name: node_exporter
              rule_set: node_exporter
          # Files made by hand from the role's CA, installed as given.
          nodepulse_agent_tls_ca_src: "$work/b-ca.pem"
          nodepulse_agent_tls_cert_src: "$work/b.pem"
          nodepulse_agent_tls_key_src: "$work/b.key"
YML
converge() { # $1: playbooks (space-separated), $2: log name, then ansible-playbook options
  local playbooks=() log=$work/$2.log
  read -r -a playbooks <<<"$1"
  shift 2
  ansible-playbook -i "$work/inventory.yml" "$@" "${playbooks[@]/#/playbooks/}" >"$log" 2>&1 ||
    { cat "$log" >&2; fail "converge of ${playbooks[*]} ($*) failed"; }
  grep -E '^(server|agent-[ab]) +:' "$log"
}
first_converge() { # $1: playbook, $2: log name
  local recap
  recap=$(converge "$1" "$2")
  echo "$recap"
  [[ $recap != *failed=[1-9]* && $recap != *unreachable=[1-9]* ]] || fail "$1: $recap"
  [[ $recap != *changed=0\ * ]] || fail "$1 changed nothing on a host: $recap"
}
mode_owner() { stat -c '%a %U:%G' "$1"; }
expect() { # $1: what, $2: got, $3: wanted
  [ "$2" = "$3" ] || fail "$1: got '$2', wanted '$3'"
}
has_lines() { # $1: file, then lines it must hold
  local file=$1
  shift
  for line in "$@"; do
    grep -qF -- "$line" "$file" || fail "$file lacks $line"
  done
}
exec_start() { # a unit's ExecStart, continuation lines joined
  awk '/^ExecStart=/ { on = 1; sub(/^ExecStart=/, "") }
       on { more = sub(/\\$/, ""); printf "%s ", $0; if (!more) exit }' "$1"
}
start_unit() { # $1: unit file, $2: log: started as the unit's User= runs it
  local user env_file environment=()
  user=$(sed -n 's/^User=//p' "$1")
  env_file=$(sed -n 's/^EnvironmentFile=//p' "$1")
  [ -z "$env_file" ] || mapfile -t environment <"$env_file"
  # shellcheck disable=SC2046 # the unit's words, as systemd splits them
  start_bg runuser -u "$user" -- env "${environment[@]}" $(exec_start "$1") >"$2" 2>&1
}

echo "== converge deploy-ingest.yml (server)"
first_converge deploy-ingest.yml ingest-first
getent passwd "$server_user" | grep -q ':/usr/sbin/nologin$' || fail "$server_user: no nologin user"
expect "nodepulse binary" "$(mode_owner "$srv/opt/nodepulse/bin/nodepulse")" "755 root:root"
expect "config dir" "$(mode_owner "$srv/etc/nodepulse")" "750 root:$server_user"
for node in ingest digest; do
  expect "$node.yml" "$(mode_owner "$srv/etc/nodepulse/$node.yml")" "640 root:$server_user"
  "$nodepulse" check-config --role "$node" -c "$srv/etc/nodepulse/$node.yml" >/dev/null ||
    fail "the rendered $node.yml does not pass check-config"
  has_lines "$srv/etc/systemd/system/nodepulse-$node.service" "User=$server_user" NoNewPrivileges=true \
    ProtectSystem=strict ProtectHome=true CapabilityBoundingSet= \
    "ExecStart=$srv/opt/nodepulse/bin/nodepulse $node -c $srv/etc/nodepulse/$node.yml"
done
has_lines "$srv/etc/nodepulse/ingest.yml" "listen: \"127.0.0.1:$ingest_port\"" "mode: token" \
  "postgres_dsn: \"postgresql://$server_user@127.0.0.1:$pg_port/nodepulse\"" "cache_ttl: 1s" \
  "cert_file: \"$srv/etc/nodepulse/tls/ingest.pem\"" "client_ca_file: \"$srv/etc/nodepulse/tls/client-ca.pem\""
# The role's private CA: its key root's alone, the server certificate it
# signed names the address agents use, the ingest's key its user's.
ca=$srv/etc/nodepulse/ca
expect "CA directory" "$(mode_owner "$ca")" "700 root:root"
expect "ingest key" "$(mode_owner "$srv/etc/nodepulse/tls/ingest.key")" "600 $server_user:$server_user"
expect "client CA" "$(mode_owner "$srv/etc/nodepulse/tls/client-ca.pem")" "640 root:$server_user"
openssl verify -CAfile "$ca/ca.pem" "$srv/etc/nodepulse/tls/ingest.pem" >/dev/null || fail "the ingest's certificate is not the CA's"
openssl x509 -in "$srv/etc/nodepulse/tls/ingest.pem" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' ||
  fail "the ingest's certificate does not name 127.0.0.1"
# agent-b's files, made by hand from that CA (the other way the role takes TLS).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=agent-b \
  -addext extendedKeyUsage=clientAuth -keyout "$work/b.key" -out "$work/b.csr" >/dev/null 2>&1
openssl x509 -req -in "$work/b.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -CAserial "$work/b.srl" \
  -copy_extensions copy -days 2 -out "$work/b.pem" >/dev/null 2>&1 || fail "could not sign agent-b's certificate"
cp "$ca/ca.pem" "$work/b-ca.pem"
install -m 0644 "$ca/ca.pem" "$work/probe-ca.pem" # the blackbox probe's trust
has_lines "$srv/etc/systemd/system/nodepulse-ingest.service" LimitNOFILE=65536 'ExecReload=/bin/kill -HUP $MAINPID'
expect "valkey config" "$(mode_owner "$srv/etc/redis/nodepulse.conf")" "640 root:redis"
has_lines "$srv/etc/redis/nodepulse.conf" "port $redis_port" "appendonly yes" "appendfsync always" "bind 127.0.0.1"
expect "valkey data dir" "$(mode_owner "$srv/var/lib/nodepulse-valkey")" "750 redis:redis"
has_lines "$srv/etc/systemd/system/nodepulse-valkey.service" User=redis ProtectSystem=strict \
  "ReadWritePaths=$srv/var/lib/nodepulse-valkey"
# The role made the login role and the database; migrate ran as the nodes' user.
owner=$(psql -XtA "${pg_dsn%/postgres}/nodepulse" -c \
  "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'nodepulse'")
expect "database owner" "$owner" "$server_user"
tables=$(psql -XtA "${pg_dsn%/postgres}/nodepulse" -c "SELECT count(*) FROM admiral.schema_migrations")
[ "$tables" -gt 0 ] || fail "no migrations recorded in the new database"

echo "== the server side started as its units say"
start_unit "$srv/etc/systemd/system/nodepulse-valkey.service" "$work/valkey.log"
until_true 10 bash -c "[ \"\$(redis-cli -p $redis_port ping 2>/dev/null)\" = PONG ]" ||
  fail "the role's redis-server does not answer: $(tail -5 "$work/valkey.log")"
expect "valkey appendfsync" "$(redis-cli -p "$redis_port" CONFIG GET appendfsync | tail -1)" "always"
start_unit "$srv/etc/systemd/system/nodepulse-digest.service" "$work/digest.log"
start_unit "$srv/etc/systemd/system/nodepulse-ingest.service" "$work/ingest.log"
# The status listener speaks TLS with the ingest's certificate (no client's).
until_true 30 curl -sf --cacert "$ca/ca.pem" -o /dev/null "https://127.0.0.1:$ingest_status/readyz" ||
  fail "the ingest's status listener did not answer: $(tail -5 "$work/ingest.log")"
wait_http "http://127.0.0.1:$digest_status/readyz" 30 "$work/digest.log"
# Mutual TLS: the CA's server certificate verifies; no client certificate, no push.
curl -s --cacert "$ca/ca.pem" -o /dev/null "https://127.0.0.1:$ingest_port/healthz" &&
  fail "the ingest took a connection without a client certificate"

echo "== converge deploy-agent.yml (agent-a, agent-b; tokens issued by server)"
first_converge deploy-agent.yml agents-first
declare -A id
for host in agent-a agent-b; do
  prefix=$work/$host
  config=$prefix/etc/nodepulse/nodepulse.yml
  "$nodepulse" check-config --role agent -c "$config" >/dev/null || fail "$host: nodepulse.yml does not pass check-config"
  id[$host]=$(sed -n 's/^  server_id: "\(.*\)"$/\1/p' "$config")
  [[ ${id[$host]} =~ ^[0-9a-f-]{36}$ ]] || fail "$host: no fixed server id for its token: '${id[$host]}'"
  agent_user=$(stat -c %U "$prefix/etc/nodepulse/token")
  expect "$host token" "$(mode_owner "$prefix/etc/nodepulse/token")" "600 $agent_user:$agent_user"
  token=$(cat "$prefix/etc/nodepulse/token")
  [[ $token =~ ^[0-9a-f]{64}$ ]] || fail "$host: the issued token is not 64 hex digits"
  hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
  registered=$(psql -XtA "${pg_dsn%/postgres}/nodepulse" -c \
    "SELECT server_id FROM admiral.agent_tokens WHERE token_hash = '$hash' AND revoked_at IS NULL")
  expect "$host token's server in admiral.agent_tokens" "$registered" "${id[$host]}"
  expect "$host WAL dir" "$(mode_owner "$prefix/var/lib/nodepulse/wal")" "750 $agent_user:$agent_user"
  has_lines "$prefix/etc/systemd/system/nodepulse-agent.service" "User=$agent_user" NoNewPrivileges=true \
    ProtectSystem=strict "ReadWritePaths=$prefix/var/lib/nodepulse/wal" 'ExecReload=/bin/kill -HUP $MAINPID'
  has_lines "$prefix/etc/systemd/system/node_exporter.service" NoNewPrivileges=true ProtectSystem=strict \
    ProtectHome=true ReadOnlyPaths=/ --collector.disable-defaults --collector.cpu --collector.meminfo
done
[ "${id[agent-a]}" != "${id[agent-b]}" ] || fail "both agents got one server id"
a=$work/agent-a
expect "node_exporter binary" "$(mode_owner "$a/opt/node_exporter/node_exporter")" "755 root:root"
"$a/opt/node_exporter/node_exporter" --version 2>&1 | grep -q "version $version " || fail "installed node_exporter is not $version"
expect "TLS key" "$(mode_owner "$a/etc/nodepulse/tls/agent.key")" "600 ${users[2]}:${users[2]}"
expect "TLS certificate" "$(mode_owner "$a/etc/nodepulse/tls/agent.pem")" "640 root:${users[2]}"
openssl verify -CAfile "$ca/ca.pem" "$a/etc/nodepulse/tls/agent.pem" >/dev/null || fail "agent-a's certificate is not the CA's"
cmp -s "$ca/ca.pem" "$a/etc/nodepulse/tls/ca.pem" || fail "agent-a did not get the CA's certificate"
expect "agent-b TLS key" "$(mode_owner "$work/agent-b/etc/nodepulse/tls/agent.key")" "600 ${users[4]}:${users[4]}"
has_lines "$a/etc/nodepulse/nodepulse.yml" "endpoint: \"https://127.0.0.1:$ingest_port/metrics/prometheus\"" \
  "token_file: \"$a/etc/nodepulse/token\"" "key_file: \"$a/etc/nodepulse/tls/agent.key\"" \
  "path: \"$a/var/lib/nodepulse/wal\"" "- url: \"http://127.0.0.1:$exporter_a/metrics\"" \
  "listen: \"127.0.0.1:$agent_a\"" 'rule_set: "node_exporter"' "ca_file: \"$a/etc/nodepulse/tls/ca.pem\"" \
  'metric_relabel_configs: [{"action": "drop", "source_labels": ["__name__"], "regex": "node_pressure_.*"}]' \
  'enabled: true' "ports: [{\"port\": $spare_port, \"name\": \"spare_exporter\"}]"
has_lines "$a/etc/systemd/system/node_exporter.service" "--web.listen-address=127.0.0.1:$exporter_a"
# The four exporters: hardened units of their own on loopback, the DSN in a
# root-only environment file, each in the agent's endpoints.
i=5
for exporter in postgres_exporter:$pgx_port redis_exporter:$rdx_port blackbox_exporter:$bbx_port \
                process_exporter:$prx_port; do
  name=${exporter%%:*} port=${exporter#*:}
  has_lines "$a/etc/systemd/system/$name.service" "User=${users[$i]}" NoNewPrivileges=true ProtectSystem=strict \
    ReadOnlyPaths=/ CapabilityBoundingSet= "--web.listen-address=127.0.0.1:$port"
  i=$((i + 1))
done
expect "postgres_exporter environment" "$(mode_owner "$a/etc/default/postgres_exporter")" "600 root:root"
has_lines "$a/etc/nodepulse/nodepulse.yml" "- url: \"http://127.0.0.1:$pgx_port/metrics\"" 'name: "postgres_exporter"' \
  "- url: \"http://127.0.0.1:$rdx_port/metrics\"" "- url: \"http://127.0.0.1:$prx_port/metrics\"" \
  "- url: \"http://127.0.0.1:$bbx_port/probe?module=http_ingest&target=https%3A//127.0.0.1%3A$ingest_status/healthz\"" \
  'name: "blackbox_ingest"'

echo "== agents started as their units say, verified by the roles' own tasks"
for host in agent-a agent-b; do
  start_unit "$work/$host/etc/systemd/system/node_exporter.service" "$work/$host-exporter.log"
  start_unit "$work/$host/etc/systemd/system/nodepulse-agent.service" "$work/$host-agent.log"
done
for name in postgres_exporter redis_exporter blackbox_exporter process_exporter; do
  start_unit "$a/etc/systemd/system/$name.service" "$work/$name.log"
done
cat >"$work/verify.yml" <<'YML'
- name: Verify what deploy-agent.yml installed
  hosts: agents
  gather_facts: false
  tasks:
    - name: Verify node_exporter
      ansible.builtin.include_role:
        name: node-exporter
        tasks_from: verify
    - name: Verify the agent
      ansible.builtin.include_role:
        name: nodepulse-agent
        tasks_from: verify
YML
ansible-playbook -i "$work/inventory.yml" "$work/verify.yml" >"$work/verify.log" 2>&1 ||
  { cat "$work/verify.log" "$work"/agent-*-agent.log "$work/ingest.log"; fail "the roles' verify tasks failed"; }
# Both agents' samples went through the stream into PostgreSQL.
rows_of() {
  psql -XtA "${pg_dsn%/postgres}/nodepulse" -c \
    "SELECT count(*) FROM admiral.metric_samples WHERE server_id = '$1' AND metric_name = 'node_cpu_seconds_total'"
}
for host in agent-a agent-b; do
  until_true 30 bash -c "[ \"\$(psql -XtA '${pg_dsn%/postgres}/nodepulse' -c \"SELECT count(*) FROM admiral.metric_samples WHERE server_id = '${id[$host]}'\")\" -gt 0 ]" ||
    { tail -20 "$work/digest.log"; fail "no rows of $host in admiral.metric_samples"; }
done
rows_a=$(rows_of "${id[agent-a]}") rows_b=$(rows_of "${id[agent-b]}")
[ "$rows_a" -gt 0 ] && [ "$rows_b" -gt 0 ] || fail "node_cpu_seconds_total rows: agent-a $rows_a, agent-b $rows_b"
# Each exporter's figures from its real target, in PostgreSQL under agent-a.
exporter_rows() {
  psql -XtA "${pg_dsn%/postgres}/nodepulse" -c "SELECT string_agg(metric_name || '=' || last, ' ' ORDER BY metric_name)
    FROM (SELECT DISTINCT ON (metric_name) metric_name, value AS last FROM admiral.metric_samples
          WHERE server_id = '$agent_a_id' AND metric_name IN
                ('pg_up', 'redis_up', 'probe_success', 'namedprocess_namegroup_num_procs')
            AND (metric_name <> 'namedprocess_namegroup_num_procs' OR labels->>'groupname' = 'nodepulse')
          ORDER BY metric_name, timestamp DESC) last_values"
}
export -f exporter_rows
export pg_dsn
export agent_a_id=${id[agent-a]}
until_true 30 bash -c '[[ $(exporter_rows) =~ ^namedprocess_namegroup_num_procs=[1-9][0-9]*\ pg_up=1\ probe_success=1\ redis_up=1$ ]]' ||
  fail "the exporters' rows in PostgreSQL: '$(exporter_rows)'; logs: $(tail -n 3 "$work"/*_exporter.log)"
echo "exporters' last values in PostgreSQL: $(exporter_rows)"
# agent-a's own rule ran before its WAL.
dropped=$(curl -sf "http://127.0.0.1:$agent_a/metrics" |
  awk '/^nodepulse_agent_scrape_samples_dropped_total\{job="node_exporter"\}/ { print $2 }')
[ "${dropped:-0}" -gt 0 ] || fail "agent-a dropped nothing by its rules (got '${dropped:-}')"

echo "== revoking agent-a's token stops agent-a only"
runuser -u "$server_user" -- "$srv/opt/nodepulse/bin/nodepulse" token revoke --server-id "${id[agent-a]}" \
  -c "$srv/etc/nodepulse/ingest.yml" >/dev/null || fail "token revoke failed"
until_true 20 bash -c "curl -s http://127.0.0.1:$agent_a/readyz | grep -q 'HTTP 401'" ||
  fail "agent-a still pushes with a revoked token: $(curl -s "http://127.0.0.1:$agent_a/readyz")"
export -f agent_pushes
b0=$(agent_pushes "$agent_b")
until_true 20 bash -c "[ \"\$(agent_pushes $agent_b)\" -ge $((b0 + 3)) ]" || fail "agent-b stopped pushing too"
curl -sf "http://127.0.0.1:$agent_b/readyz" >/dev/null || fail "agent-b is not ready after agent-a's revoke"

echo "== idempotence"
for pass in second check; do
  # Both playbooks in one run; the exporter roles' own verify tasks run now,
  # against what runs.
  options=(-e exporters_verify=true)
  [ "$pass" = check ] && options+=(--check --diff)
  recap=$(converge "deploy-ingest.yml deploy-agent.yml" "$pass" "${options[@]}")
  echo "$recap"
  # Every host's line (the server's twice: the agents' play delegates to it).
  for host in server agent-a agent-b; do
    [[ $recap == *"$host "* ]] || fail "$pass run: no recap of $host"
  done
  ! grep -v 'changed=0 .*failed=0' <<<"$recap" || fail "$pass run (${options[*]}) changed or failed: $recap"
done
echo "ok: lint clean, server and two agents converged and verified ($rows_a and $rows_b cpu rows, $dropped samples filtered, the four exporters' rows stored), a revoked agent refused, idempotent"
