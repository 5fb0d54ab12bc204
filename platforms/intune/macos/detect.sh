#!/bin/sh
# Intune custom attribute for macOS (Devices > macOS > Custom attributes, data type String), run as
# the signed-in user: the line mailcert status prints when the identity is installed and in use,
# otherwise "not installed". As a detection step of its own: exit code and stdout are mailcert's.
#
# MAILCERT_FINGERPRINT: the certificate's SHA-256 fingerprint (mailcert inspect shows it; not a
# secret). Leave it empty to ask about every identity mailcert installed for this user.
set -u

MAILCERT_FINGERPRINT=${MAILCERT_FINGERPRINT:-}
export MAILCERT_FINGERPRINT
mailcert=$(command -v mailcert || echo /usr/local/bin/mailcert)

if line=$("$mailcert" status 2>/dev/null); then
  echo "$line"
  exit 0
fi
echo "not installed"
exit 8
