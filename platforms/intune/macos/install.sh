#!/bin/sh
# Intune shell script for macOS (Devices > macOS > Shell scripts): installs the signed-in person's
# S/MIME identity with mailcert. "Run script as signed-in user: Yes" (the login keychain is the
# user's; as root, add --user "$user" to the mailcert line, see README.md).
#
# Intune shell scripts carry no files: a package (a PKG app assigned to the same user) puts them in
# (MAILCERT_DEPLOY_DIR, if set, stands for the folder above USER)
#   /Library/Application Support/mailcert/deploy/USER/identity.p12
#   /Library/Application Support/mailcert/deploy/USER/identity.password   (0600, owned by USER)
# and mailcert itself in /usr/local/bin. The password is never an argument: script parameters and
# command lines are visible to every process and end up in logs. The password file is deleted when
# the run ends, whatever the outcome.
set -u

user=$(id -un)
dir="${MAILCERT_DEPLOY_DIR:-/Library/Application Support/mailcert/deploy}/$user"
mailcert=$(command -v mailcert || echo /usr/local/bin/mailcert)
log="$HOME/Library/Logs/mailcert-install.json"

if [ ! -f "$dir/identity.p12" ] || [ ! -f "$dir/identity.password" ]; then
  echo "mailcert: nothing to install for $user: $dir/identity.p12 or identity.password is missing" >&2
  exit 4
fi
mkdir -p "$(dirname "$log")"
"$mailcert" install "$dir/identity.p12" --password-file "$dir/identity.password" --yes --json > "$log"
code=$?
rm -f "$dir/identity.password"
exit "$code"
