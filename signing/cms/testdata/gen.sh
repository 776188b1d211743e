#!/bin/sh
# Regenerates the openssl-made signatures used as fixtures and fuzz seeds.
# Run from this directory: sh gen.sh
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/rsa.key" -out rsa.pem -days 36500 -subj "/CN=openssl RSA signer/O=Vanthu test" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ec.key" -out ec.pem -days 36500 -subj "/CN=openssl EC signer/O=Vanthu test" 2>/dev/null
printf 'Vanthu fixture content: văn bản mẫu\n' > content.txt
sign() { openssl cms -sign -binary -in content.txt -outform DER "$@"; }
sign -signer rsa.pem -inkey "$tmp/rsa.key" -md sha256 -out openssl-rsa.p7s
sign -signer rsa.pem -inkey "$tmp/rsa.key" -md sha256 -stream -out openssl-rsa-stream.p7s
sign -signer rsa.pem -inkey "$tmp/rsa.key" -md sha256 -keyopt rsa_padding_mode:pss -out openssl-pss.p7s
sign -signer rsa.pem -inkey "$tmp/rsa.key" -md sha1 -out openssl-sha1.p7s
sign -signer ec.pem -inkey "$tmp/ec.key" -md sha384 -keyid -out openssl-ec-keyid.p7s
sign -signer ec.pem -inkey "$tmp/ec.key" -md sha256 -nodetach -stream -out openssl-ec-attached-stream.p7m
# nss-pdfsig-padded.der is the /Contents of a PDF signed with
# `pdfsig -add-signature -digest SHA256` (poppler-utils 22.12, NSS) using a
# self-signed RSA certificate imported with pk12util; nss_test.go shows the steps.
