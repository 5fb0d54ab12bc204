#!/bin/sh
# Jamf Pro computer extension attribute (Settings > Computer management > Extension attributes;
# data type String, input type Script). Jamf runs it as root at each inventory update: it asks
# mailcert status as the console user (--user) and reports the one line mailcert prints when the
# identity is installed and in use, or "not installed" (use it in smart groups: "is not installed").
#
# Set FINGERPRINT to the certificate's SHA-256 fingerprint (not a secret), or leave it empty to ask
# about every identity mailcert installed for that user.
set -u

FINGERPRINT=""

user=$(echo "show State:/Users/ConsoleUser" | scutil | awk '/Name :/ && $3 != "loginwindow" { print $3 }')
mailcert=$(command -v mailcert || echo /usr/local/bin/mailcert)

if [ -z "$user" ]; then
  echo "<result>no user logged in</result>"
  exit 0
fi
if [ -n "$FINGERPRINT" ]; then
  line=$("$mailcert" status --fingerprint "$FINGERPRINT" --user "$user" 2>/dev/null)
  code=$?
else
  line=$("$mailcert" status --user "$user" 2>/dev/null)
  code=$?
fi
if [ "$code" -eq 0 ] && [ -n "$line" ]; then
  echo "<result>$line</result>"
else
  echo "<result>not installed</result>"
fi
exit 0
