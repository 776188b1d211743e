#!/bin/sh
# Regenerates the openssl-made timestamp token used as a fixture and fuzz seed.
# Run from this directory: sh gen.sh
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 36500 \
  -subj "/CN=openssl fixture TSA root" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr \
  -subj "/CN=openssl fixture TSA" 2>/dev/null
printf 'extendedKeyUsage = critical, timeStamping\nkeyUsage = critical, digitalSignature\n' > ext.cnf
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -extfile ext.cnf -out tsa.pem 2>/dev/null
echo 01 > serial
cat > tsa.cnf <<CNF
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = $tmp/serial
crypto_device = builtin
signer_cert = $tmp/tsa.pem
certs = $tmp/ca.pem
signer_key = $tmp/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1, millisecs:500
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_alg = sha256
CNF
cd - >/dev/null
printf 'Vanthu timestamp fixture: dấu thời gian\n' > data.txt
openssl ts -query -data data.txt -sha256 -cert -out openssl-query.tsq
openssl ts -reply -config "$tmp/tsa.cnf" -queryfile openssl-query.tsq -out openssl-reply.tsr 2>/dev/null
openssl ts -reply -config "$tmp/tsa.cnf" -queryfile openssl-query.tsq -token_out -out openssl-token.der 2>/dev/null
