#!/bin/bash
# pki.sh DIR -- build a disposable test PKI (ECDSA P-256) for the integration
# tests and scripts/quickstart.  Never use these keys for anything real.
# The private keys are 0600, the certificates 0644.
#
# Produces in DIR: ca.pem ca.key other-ca.pem other-ca.key
#   server.pem server.key           localhost, 127.0.0.1, ::1, signed by ca
#   expired.pem/.key notyet.pem/.key wrongname.pem/.key  signed by ca
#   selfsigned.pem/.key             self-signed, 127.0.0.1
#   untrusted.pem/.key              signed by other-ca
#   client.pem client.key           TLS client, cn mqtts-probe-test
# Does nothing when DIR/ca.pem already exists.
set -euo pipefail

die() { echo "pki.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: pki.sh DIR"
dir=$1
here=$(dirname "$0")
# the chain checks' certificates are made by their own script, beside these
[ -e "$dir/ca.pem" ] && exec bash "$here/chain-pki.sh" "$dir"

certtool=${CERTTOOL:-certtool}
command -v "$certtool" >/dev/null 2>&1 || die "certtool not found ($certtool)"

mkdir -p "$dir" || die "cannot create $dir"
# Work in a scratch directory and move the results in at the end, ca.pem
# last, so an interrupted run never looks complete.
work=$(mktemp -d "$dir/.pki.XXXXXX") || die "mktemp failed in $dir"
trap 'rm -rf "$work"' EXIT

log=$work/certtool.log
run() {
	if ! "$certtool" "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "certtool $* failed"
	fi
}

newkey() { # NAME
	run --generate-privkey --key-type ecdsa --curve secp256r1 \
		--outfile "$work/$1.key"
}

# tmpl NAME LINES... -- write a certtool template, one setting per argument
tmpl() {
	local name=$1; shift
	printf '%s\n' "$@" >"$work/$name.tmpl"
}

selfsign() { # NAME
	newkey "$1"
	run --generate-self-signed --load-privkey "$work/$1.key" \
		--template "$work/$1.tmpl" --outfile "$work/$1.pem"
}

signed_by() { # NAME ISSUER
	newkey "$1"
	run --generate-certificate --load-privkey "$work/$1.key" \
		--load-ca-certificate "$work/$2.pem" \
		--load-ca-privkey "$work/$2.key" \
		--template "$work/$1.tmpl" --outfile "$work/$1.pem"
}

server_sans=('dns_name = "localhost"' 'ip_address = "127.0.0.1"' 'ip_address = "::1"')

tmpl ca 'cn = "mqtts-probe test CA"' 'organization = "mqtts-probe tests"' \
	'serial = 1' 'expiration_days = 3650' 'ca' 'cert_signing_key' 'crl_signing_key'
selfsign ca

tmpl other-ca 'cn = "mqtts-probe untrusted CA"' 'organization = "elsewhere"' \
	'serial = 2' 'expiration_days = 3650' 'ca' 'cert_signing_key' 'crl_signing_key'
selfsign other-ca

tmpl server 'cn = "localhost"' 'serial = 10' 'expiration_days = 365' \
	"${server_sans[@]}" 'tls_www_server' 'signing_key' 'encryption_key'
signed_by server ca

tmpl expired 'cn = "localhost"' 'serial = 11' \
	'activation_date = "2020-01-01 00:00:00"' \
	'expiration_date = "2021-01-01 00:00:00"' \
	"${server_sans[@]}" 'tls_www_server' 'signing_key'
signed_by expired ca

tmpl notyet 'cn = "localhost"' 'serial = 12' \
	'activation_date = "2099-01-01 00:00:00"' \
	'expiration_date = "2099-12-31 00:00:00"' \
	"${server_sans[@]}" 'tls_www_server' 'signing_key'
signed_by notyet ca

tmpl wrongname 'cn = "wrong.example"' 'serial = 13' 'expiration_days = 365' \
	'dns_name = "wrong.example"' 'tls_www_server' 'signing_key'
signed_by wrongname ca

tmpl selfsigned 'cn = "127.0.0.1"' 'serial = 14' 'expiration_days = 365' \
	'ip_address = "127.0.0.1"' 'tls_www_server' 'signing_key'
selfsign selfsigned

tmpl untrusted 'cn = "localhost"' 'serial = 15' 'expiration_days = 365' \
	"${server_sans[@]}" 'tls_www_server' 'signing_key'
signed_by untrusted other-ca

tmpl client 'cn = "mqtts-probe-test"' 'serial = 20' 'expiration_days = 365' \
	'tls_www_client' 'signing_key'
signed_by client ca

# private keys 0600, as any key should be: the broker runs as the
# user that made them (broker.sh says "user root" to a root one), and
# mqtts-probe rightly warns about a client key others can read
chmod 600 "$work"/*.key
chmod 644 "$work"/*.pem
for f in "$work"/*.pem "$work"/*.key; do
	base=${f##*/}
	[ "$base" = ca.pem ] && continue
	mv -f "$f" "$dir/$base"
done
mv -f "$work/ca.pem" "$dir/ca.pem"
bash "$here/chain-pki.sh" "$dir"
