#!/bin/sh
# Jamf Pro policy script (Settings > Scripts; in the policy: Scripts, priority After the package).
# Jamf runs it as root and passes $3 = the user name; $4 = the certificate's SHA-256 fingerprint
# (optional, not a secret: script parameters are in Jamf's policy logs and in the process list, so
# the password is NEVER one of them).
#
# A package in the same policy puts, per user (MAILCERT_DEPLOY_DIR, if set, stands for the folder above USER):
#   /Library/Application Support/mailcert/deploy/USER/identity.p12
#   /Library/Application Support/mailcert/deploy/USER/identity.password   (0600, root)
# and mailcert in /usr/local/bin. mailcert runs the per-user work as that user (--user: its home,
# its login keychain, inside its session); root reads the password file and hands it over without
# argv or environment. The password file is deleted when the run ends, whatever the outcome.
set -u

user="${3:-}"
if [ -z "$user" ]; then
  user=$(echo "show State:/Users/ConsoleUser" | scutil | awk '/Name :/ && $3 != "loginwindow" { print $3 }')
fi
if [ -z "$user" ]; then
  echo "mailcert: no user: run this policy at login or with a user logged in" >&2
  exit 2
fi
fingerprint="${4:-}"
dir="${MAILCERT_DEPLOY_DIR:-/Library/Application Support/mailcert/deploy}/$user"
mailcert=$(command -v mailcert || echo /usr/local/bin/mailcert)

if [ ! -f "$dir/identity.p12" ] || [ ! -f "$dir/identity.password" ]; then
  echo "mailcert: nothing to install for $user: $dir/identity.p12 or identity.password is missing" >&2
  exit 4
fi
"$mailcert" install "$dir/identity.p12" --password-file "$dir/identity.password" --user "$user" --yes
code=$?
rm -f "$dir/identity.password"
# Jamf shows this in the policy log: whether the identity is now installed and in use.
if [ "$code" -eq 0 ] && [ -n "$fingerprint" ]; then
  "$mailcert" status --fingerprint "$fingerprint" --user "$user" || code=$?
fi
exit "$code"
