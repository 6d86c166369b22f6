#!/usr/bin/env bash
# The Ansible roles for real: ansible-lint with the production
# profile and --syntax-check on every playbook; then playbooks/deploy-agent.yml
# converged on this machine (connection local) into a throwaway root-owned
# prefix, node_exporter from an archive of Debian's binary and nodepulse from
# this build's cpack archive, both served by a loopback HTTP server with
# their checksums, service management off (no systemd here). Files, users,
# modes and the rendered configs are checked; the installed node_exporter
# and agent are started as their units say, against a real ingest and
# redis-server, and the roles' own verify tasks pass against them; a second
# converge changes nothing, and neither does --check --diff.
# Usage: ansible_roles.sh BUILD_DIR SOURCE_DIR NODEPULSE_BINARY
set -euo pipefail
build=$1 src=$2 nodepulse=$3
. "$src/integration/support/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "the converge makes users and chowns files: run as root"
for tool in ansible-playbook ansible-lint cpack openssl python3 redis-server runuser; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/bootstrap installs it)"
done

exporter_user=np-test-exporter-$$
agent_user=np-test-agent-$$
work=$(mktemp -d /tmp/nodepulse-ansible-XXXXXX)
chmod 0755 "$work" # the agent's and node_exporter's users read below it
prefix=$work/root
mkdir -m 0755 "$prefix"
cleanup() {
  stop_all
  userdel "$exporter_user" 2>/dev/null || true
  userdel "$agent_user" 2>/dev/null || true
  groupdel "$exporter_user" 2>/dev/null || true
  groupdel "$agent_user" 2>/dev/null || true
  rm -rf "$work"
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
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj '/CN=agent' -keyout "$work/agent.key" -out "$work/agent.pem" >/dev/null 2>&1
http_port=$(free_port)
start_bg python3 -m http.server --bind 127.0.0.1 --directory "$mirror" "$http_port" >"$work/http.log" 2>&1
wait_http "http://127.0.0.1:$http_port/nodepulse.tar.gz"

echo "== an ingest for the agent's first push"
redis_port=$(free_port)
start_redis "$redis_port" "$work/redis"
ingest_port=$(free_port)
printf 'listen: "127.0.0.1:%s"\nvalkey:\n  url: "redis://127.0.0.1:%s"\n' "$ingest_port" "$redis_port" >"$work/ingest.yml"
start_bg "$nodepulse" ingest -c "$work/ingest.yml" >"$work/ingest.log" 2>&1
wait_http "http://127.0.0.1:$ingest_port/healthz" 15 "$work/ingest.log"

exporter_port=$(free_port)
agent_port=$(free_port)
spare_port=$(free_port) # discovery probes it; nothing listens there
cat >"$work/vars.yml" <<YML
nodepulse_agent_hosts: localhost
node_exporter_version: "$version"
node_exporter_arch: amd64
node_exporter_port: $exporter_port
node_exporter_mirror_url: "http://127.0.0.1:$http_port/"
node_exporter_checksum: "sha256:$exporter_sum"
node_exporter_user: "$exporter_user"
node_exporter_prefix: "$prefix"
node_exporter_manage_service: false
nodepulse_agent_archive_url: "http://127.0.0.1:$http_port/nodepulse.tar.gz"
nodepulse_agent_checksum: "sha256:$nodepulse_sum"
nodepulse_agent_install_dir: /opt/nodepulse
nodepulse_agent_user: "$agent_user"
nodepulse_agent_endpoints:
  - url: "http://127.0.0.1:$exporter_port/metrics"
    name: node_exporter
    rule_set: node_exporter
    metric_relabel_configs:
      - {action: drop, source_labels: [__name__], regex: "node_pressure_.*"}
nodepulse_agent_discover: true
nodepulse_agent_discover_ports:
  - {port: $spare_port, name: spare_exporter}
nodepulse_agent_endpoint: "http://127.0.0.1:$ingest_port/metrics/prometheus"
nodepulse_agent_interval: 1s
nodepulse_agent_token: "test-token-0123456789"
nodepulse_agent_tls_ca_src: "$work/agent.pem"
nodepulse_agent_tls_cert_src: "$work/agent.pem"
nodepulse_agent_tls_key_src: "$work/agent.key"
nodepulse_agent_status_listen: "127.0.0.1:$agent_port"
nodepulse_agent_prefix: "$prefix"
nodepulse_agent_manage_service: false
YML
converge() { # $1: log name, then ansible-playbook options
  local log=$work/$1.log
  shift
  ansible-playbook -i localhost, -c local -e "@$work/vars.yml" "$@" playbooks/deploy-agent.yml >"$log" 2>&1 ||
    { cat "$log" >&2; fail "converge ($*) failed"; }
  grep -E '^localhost +:' "$log"
}

echo "== converge"
recap=$(converge first)
echo "$recap"
[[ $recap =~ failed=0 ]] || fail "first converge: $recap"
[[ ! $recap =~ changed=0 ]] || fail "first converge changed nothing: $recap"

echo "== what it installed"
mode_owner() { stat -c '%a %U:%G' "$1"; }
expect() { # $1: what, $2: got, $3: wanted
  [ "$2" = "$3" ] || fail "$1: got '$2', wanted '$3'"
}
getent passwd "$exporter_user" | grep -q ':/usr/sbin/nologin$' || fail "$exporter_user: no nologin user"
getent passwd "$agent_user" | grep -q ':/usr/sbin/nologin$' || fail "$agent_user: no nologin user"
expect "node_exporter binary" "$(mode_owner "$prefix/opt/node_exporter/node_exporter")" "755 root:root"
"$prefix/opt/node_exporter/node_exporter" --version 2>&1 | grep -q "version $version " || fail "installed node_exporter is not $version"
unit=$prefix/etc/systemd/system/node_exporter.service
expect "node_exporter unit" "$(mode_owner "$unit")" "644 root:root"
for line in "User=$exporter_user" NoNewPrivileges=true ProtectSystem=strict ProtectHome=true ReadOnlyPaths=/ \
            "--web.listen-address=127.0.0.1:$exporter_port" --collector.disable-defaults --collector.cpu \
            --collector.meminfo --collector.filesystem --collector.netdev; do
  grep -qF -- "$line" "$unit" || fail "node_exporter unit lacks $line"
done
expect "nodepulse binary" "$(mode_owner "$prefix/opt/nodepulse/bin/nodepulse")" "755 root:root"
expect "config dir" "$(mode_owner "$prefix/etc/nodepulse")" "750 root:$agent_user"
config=$prefix/etc/nodepulse/nodepulse.yml
expect "nodepulse.yml" "$(mode_owner "$config")" "640 root:$agent_user"
expect "token" "$(mode_owner "$prefix/etc/nodepulse/token")" "600 $agent_user:$agent_user"
expect "token text" "$(cat "$prefix/etc/nodepulse/token")" "test-token-0123456789"
expect "TLS key" "$(mode_owner "$prefix/etc/nodepulse/tls/agent.key")" "600 $agent_user:$agent_user"
expect "TLS certificate" "$(mode_owner "$prefix/etc/nodepulse/tls/agent.pem")" "640 root:$agent_user"
expect "WAL dir" "$(mode_owner "$prefix/var/lib/nodepulse/wal")" "750 $agent_user:$agent_user"
"$nodepulse" check-config --role agent -c "$config" >/dev/null || fail "the rendered nodepulse.yml does not pass check-config"
for line in "endpoint: \"http://127.0.0.1:$ingest_port/metrics/prometheus\"" \
            "token_file: \"$prefix/etc/nodepulse/token\"" "key_file: \"$prefix/etc/nodepulse/tls/agent.key\"" \
            "path: \"$prefix/var/lib/nodepulse/wal\"" "- url: \"http://127.0.0.1:$exporter_port/metrics\"" \
            "listen: \"127.0.0.1:$agent_port\"" 'rule_set: "node_exporter"' \
            'metric_relabel_configs: [{"action": "drop", "source_labels": ["__name__"], "regex": "node_pressure_.*"}]' \
            'enabled: true' "ports: [{\"port\": $spare_port, \"name\": \"spare_exporter\"}]"; do
  grep -qF -- "$line" "$config" || fail "nodepulse.yml lacks $line"
done
agent_unit=$prefix/etc/systemd/system/nodepulse-agent.service
for line in "User=$agent_user" NoNewPrivileges=true ProtectSystem=strict "ReadWritePaths=$prefix/var/lib/nodepulse/wal" \
            'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qF -- "$line" "$agent_unit" || fail "agent unit lacks $line"
done

echo "== started as the units say, verified by the roles' own tasks"
exec_start() { # the unit's ExecStart, continuation lines joined
  awk '/^ExecStart=/ { on = 1; sub(/^ExecStart=/, "") }
       on { more = sub(/\\$/, ""); printf "%s ", $0; if (!more) exit }' "$1"
}
# shellcheck disable=SC2046 # the unit's words, as systemd splits them
start_bg runuser -u "$exporter_user" -- $(exec_start "$unit") >"$work/node_exporter.log" 2>&1
# shellcheck disable=SC2046
start_bg runuser -u "$agent_user" -- $(exec_start "$agent_unit") >"$work/agent.log" 2>&1
cat >"$work/verify.yml" <<'YML'
- name: Verify what deploy-agent.yml installed
  hosts: localhost
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
ANSIBLE_ROLES_PATH=$src/ansible/roles ansible-playbook -i localhost, -c local -e "@$work/vars.yml" \
  "$work/verify.yml" >"$work/verify.log" 2>&1 ||
  { cat "$work/verify.log" "$work/agent.log"; fail "the roles' verify tasks failed"; }
pushed=$(redis-cli -p "$redis_port" XLEN nodepulse:metrics:stream)
[ "$pushed" -ge 1 ] || fail "nothing reached the stream"
# The endpoint's rules ran in the agent: samples dropped before the WAL.
dropped=$(curl -sf "http://127.0.0.1:$agent_port/metrics" |
  awk '/^nodepulse_agent_scrape_samples_dropped_total\{job="node_exporter"\}/ { print $2 }')
[ "${dropped:-0}" -gt 0 ] || fail "the agent dropped nothing by its rules (got '${dropped:-}')"

echo "== idempotence"
recap=$(converge second)
echo "$recap"
[[ $recap =~ changed=0 ]] && [[ $recap =~ failed=0 ]] || fail "second converge: $recap"
recap=$(converge check --check --diff)
echo "$recap"
[[ $recap =~ changed=0 ]] && [[ $recap =~ failed=0 ]] || fail "--check --diff: $recap"
echo "ok: lint clean, converged, verified ($pushed pushes stored, $dropped samples filtered), idempotent"
