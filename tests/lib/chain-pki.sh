#!/bin/bash
# chain-pki.sh DIR -- the certificates of the chain checks (issue 10), made
# beside pki.sh's in DIR (pki.sh calls this; it needs DIR/ca.pem).
#
#   chain-root.pem/.key      a second root, "mqtts-probe chain root"
#   chain-inter.pem/.key     its intermediate
#   chain-leaf.key           localhost, 127.0.0.1, issued by the intermediate
#   chain-incomplete.pem     the leaf alone (the intermediate is missing)
#   chain-full.pem           leaf, intermediate: a good chain
#   chain-outoforder.pem     leaf, root, intermediate
#   chain-withroot.pem       leaf, intermediate, root (root sent)
#   chain-dup.pem            leaf, intermediate, intermediate again
#   cnonly.pem/.key          CN=localhost, no subjectAltName, issued by ca
#   noeku.pem/.key           localhost, but only clientAuth, issued by ca
#   longvalid.pem/.key       valid 825 days, issued by ca
#   expiring.pem/.key        expires in 5 days, issued by ca
#   client-expired.pem/.key  our client certificate, expired
#   client-noeku.pem/.key    a client certificate for servers only
#   client-otherca.pem/.key  a client certificate issued by other-ca
#   weak.pem/.key            1024-bit RSA, SHA-1 signature, issued by ca
#   crl-revoked.pem          ca's CRL revoking server.pem (serial 10)
#   crl-empty.pem            ca's CRL revoking nothing
#   crl-reason.pem           ca's CRL made by openssl (certtool cannot give
#                            a reason): expired.pem superseded, server.pem
#                            keyCompromise
set -euo pipefail

die() { echo "chain-pki.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: chain-pki.sh DIR"
dir=$1
[ -r "$dir/ca.pem" ] && [ -r "$dir/ca.key" ] || die "no ca.pem in $dir"
[ -e "$dir/chain-root.pem" ] && exit 0

certtool=${CERTTOOL:-certtool}
work=$(mktemp -d "$dir/.chain.XXXXXX") || die "mktemp failed in $dir"
trap 'rm -rf "$work"' EXIT
log=$work/certtool.log
run() {
	if ! "$certtool" "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "certtool $* failed"
	fi
}
tmpl() { local name=$1; shift; printf '%s\n' "$@" >"$work/$name.tmpl"; }
key_of() { # NAME ISSUER-DIR-OR-WORK
	if [ -e "$work/$1.key" ]; then echo "$work/$1"; else echo "$dir/$1"; fi
}
newkey() { run --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$work/$1.key"; }
signed_by() { # NAME ISSUER [certtool options...]
	local name=$1 issuer; issuer=$(key_of "$2"); shift 2
	[ -e "$work/$name.key" ] || newkey "$name"
	run --generate-certificate --load-privkey "$work/$name.key" \
		--load-ca-certificate "$issuer.pem" --load-ca-privkey "$issuer.key" \
		--template "$work/$name.tmpl" --outfile "$work/$name.pem" "$@"
}
sans=('dns_name = "localhost"' 'ip_address = "127.0.0.1"')

tmpl chain-root 'cn = "mqtts-probe chain root"' 'serial = 30' \
	'expiration_days = 3650' 'ca' 'cert_signing_key'
newkey chain-root
run --generate-self-signed --load-privkey "$work/chain-root.key" \
	--template "$work/chain-root.tmpl" --outfile "$work/chain-root.pem"
tmpl chain-inter 'cn = "mqtts-probe chain intermediate"' 'serial = 31' \
	'expiration_days = 3000' 'ca' 'cert_signing_key'
signed_by chain-inter chain-root
tmpl chain-leaf 'cn = "localhost"' 'serial = 32' 'expiration_days = 365' \
	"${sans[@]}" 'tls_www_server' 'signing_key'
signed_by chain-leaf chain-inter
cp "$work/chain-leaf.pem" "$work/chain-incomplete.pem"
cat "$work/chain-leaf.pem" "$work/chain-inter.pem" >"$work/chain-full.pem"
cat "$work/chain-leaf.pem" "$work/chain-root.pem" "$work/chain-inter.pem" \
	>"$work/chain-outoforder.pem"
cat "$work/chain-leaf.pem" "$work/chain-inter.pem" "$work/chain-root.pem" \
	>"$work/chain-withroot.pem"
cat "$work/chain-leaf.pem" "$work/chain-inter.pem" "$work/chain-inter.pem" \
	>"$work/chain-dup.pem"
for f in incomplete full outoforder withroot dup; do
	cp "$work/chain-leaf.key" "$work/chain-$f.key"
done

tmpl cnonly 'cn = "localhost"' 'serial = 33' 'expiration_days = 365' \
	'tls_www_server' 'signing_key'
signed_by cnonly ca
tmpl noeku 'cn = "localhost"' 'serial = 34' 'expiration_days = 365' \
	"${sans[@]}" 'tls_www_client' 'signing_key'
signed_by noeku ca
tmpl longvalid 'cn = "localhost"' 'serial = 35' 'expiration_days = 825' \
	"${sans[@]}" 'tls_www_server' 'signing_key'
signed_by longvalid ca
tmpl expiring 'cn = "localhost"' 'serial = 36' 'expiration_days = 5' \
	"${sans[@]}" 'tls_www_server' 'signing_key'
signed_by expiring ca
tmpl client-expired 'cn = "mqtts-probe-old"' 'serial = 37' \
	'activation_date = "2020-01-01 00:00:00"' \
	'expiration_date = "2021-01-01 00:00:00"' 'tls_www_client' 'signing_key'
signed_by client-expired ca
tmpl client-noeku 'cn = "mqtts-probe-server-only"' 'serial = 38' \
	'expiration_days = 365' 'tls_www_server' 'signing_key'
signed_by client-noeku ca
tmpl client-otherca 'cn = "mqtts-probe-elsewhere"' 'serial = 40' \
	'expiration_days = 365' 'tls_www_client' 'signing_key'
signed_by client-otherca other-ca
tmpl weak 'cn = "localhost"' 'serial = 39' 'expiration_days = 365' \
	"${sans[@]}" 'tls_www_server' 'signing_key' 'encryption_key'
run --generate-privkey --key-type rsa --bits 1024 --outfile "$work/weak.key"
signed_by weak ca --hash SHA1

tmpl crl 'crl_next_update = 365' 'crl_number = 1'
run --generate-crl --load-ca-privkey "$dir/ca.key" \
	--load-ca-certificate "$dir/ca.pem" --load-certificate "$dir/server.pem" \
	--template "$work/crl.tmpl" --outfile "$work/crl-revoked.pem"
run --generate-crl --load-ca-privkey "$dir/ca.key" \
	--load-ca-certificate "$dir/ca.pem" \
	--template "$work/crl.tmpl" --outfile "$work/crl-empty.pem"

# certtool 3.7 has no template setting for a CRL entry's reason code:
# openssl ca revokes with one and writes the CRL
openssl=${OPENSSL:-openssl}
printf '%s\n' '[ ca ]' 'default_ca = probe_ca' '[ probe_ca ]' \
	"database = $work/index.txt" "crlnumber = $work/crlnumber" \
	'default_md = sha256' 'default_crl_days = 365' >"$work/ossl-ca.cnf"
: >"$work/index.txt"
echo 01 >"$work/crlnumber"
ossl_ca() {
	if ! "$openssl" ca -config "$work/ossl-ca.cnf" -keyfile "$dir/ca.key" \
		-cert "$dir/ca.pem" "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "openssl ca $* failed"
	fi
}
ossl_ca -revoke "$dir/expired.pem" -crl_reason superseded
ossl_ca -revoke "$dir/server.pem" -crl_reason keyCompromise
ossl_ca -gencrl -out "$work/crl-reason.pem"
rm -f "$work"/index.txt* "$work"/crlnumber* "$work/ossl-ca.cnf"

# private keys 0600, as any key should be: the broker runs as the
# user that made them (broker.sh says "user root" to a root one), and
# mqtts-probe rightly warns about a client key others can read
chmod 600 "$work"/*.key
chmod 644 "$work"/*.pem
for f in "$work"/*.pem "$work"/*.key; do
	base=${f##*/}
	[ "$base" = chain-root.pem ] && continue
	mv -f "$f" "$dir/$base"
done
mv -f "$work/chain-root.pem" "$dir/chain-root.pem"
