# Intune Win32 app, install behavior User: installs the person's S/MIME identity with mailcert.
#
# The package (IntuneWinAppUtil over one folder) holds, beside this script:
#   mailcert.exe        mailcert's single-file executable
#   identity.p12        the person's PKCS#12 file
#   identity.password   its password, alone in the file (one trailing newline is ignored)
# The password is never on a command line: Intune logs the install command line
# (IntuneManagementExtension.log) and every process on the machine can read it while it runs.
#
# mailcert.exe is copied to %LOCALAPPDATA%\Programs\mailcert, where detect.ps1 finds it later.
# The password file is deleted when the run ends, whatever the outcome.
# Exit codes are mailcert's (see platforms/intune/README.md for the return codes to enter).

$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$p12 = Join-Path $here 'identity.p12'
$passwordFile = Join-Path $here 'identity.password'
$programs = Join-Path $env:LOCALAPPDATA 'Programs\mailcert'
$mailcert = Join-Path $programs 'mailcert.exe'
$report = Join-Path $programs 'install-report.json'

$code = 1
try {
    New-Item -ItemType Directory -Force -Path $programs | Out-Null
    Copy-Item -Force (Join-Path $here 'mailcert.exe') $mailcert
    # --yes: nothing is asked; --json: the report (no secrets in it) is kept for the helpdesk.
    & $mailcert install $p12 --password-file $passwordFile --yes --json | Out-File -Encoding utf8 -FilePath $report
    $code = $LASTEXITCODE
} finally {
    Remove-Item -Force -ErrorAction SilentlyContinue -LiteralPath $passwordFile
}
exit $code
