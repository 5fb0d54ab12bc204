# Intune Win32 app, detection rule: "Use a custom detection script".
# Intune counts the app as installed when the script exits 0 AND writes something to standard
# output; mailcert status does exactly that (exit 0 and one line), or exits 8 with nothing on
# standard output. This script passes both through unchanged.
#
# Set the certificate's SHA-256 fingerprint below (mailcert inspect identity.p12 shows it; colons
# are fine). It is not a secret. Run script as 32-bit process on 64-bit clients: No.

$Fingerprint = 'REPLACE-WITH-THE-SHA-256-FINGERPRINT'

$mailcert = Join-Path $env:LOCALAPPDATA 'Programs\mailcert\mailcert.exe'
if (-not (Test-Path -LiteralPath $mailcert)) { exit 8 }
$line = & $mailcert status --fingerprint $Fingerprint 2>$null
$code = $LASTEXITCODE
if ($code -eq 0 -and $line) { Write-Output $line }
exit $code
