@echo off
rem Intune Win32 app, install command: install.cmd (nothing else on the line: Intune logs it).
rem Install behavior: User. Runs install.ps1 beside it and hands back its exit code.
powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "%~dp0install.ps1"
exit /b %ERRORLEVEL%
