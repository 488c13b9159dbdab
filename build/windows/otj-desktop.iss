; Inno Setup 6 script for OTJ Desktop on Windows: a per-user installer built from the onedir
; bundle (dist\otj-desktop, from installer.spec). Compile from the repository root:
;
;     iscc /DAppVersion=0.1.0 build\windows\otj-desktop.iss
;
; Output: dist\otj-desktop-<version>-windows-x64-setup.exe.
;
; * Per user, no administrator rights: installs into %LOCALAPPDATA%\Programs\OTJ Desktop and
;   adds a Start-menu shortcut for this user only.
; * The apprentice's data is not in the install folder: the app keeps it in
;   %LOCALAPPDATA%\OTJ Desktop (platformdirs), so upgrading or uninstalling never touches it.
;   An upgrade replaces the program files and the app migrates the database on its first start.
; * The window is Microsoft Edge WebView2, which is part of Windows 11 and of up-to-date
;   Windows 10. Setup checks for the runtime and explains what to do if it is missing.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "OTJ Desktop"
#define AppExe "otj-desktop.exe"
#define Bundle "..\..\dist\otj-desktop"
; The WebView2 runtime's client id (Microsoft's documented way to detect the Evergreen runtime).
#define WebView2Client "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

[Setup]
; Never change AppId: Windows uses it to recognise an installed copy as the same app.
AppId={{8B507885-2961-4E4F-BFE2-CF5E0F6DCE43}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=OTJ Desktop
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=otj-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\assets\icons\otj-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; Close a running copy (Restart Manager) before replacing its files.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Remove the previous version's program files first, so nothing stale from an older bundle is
; left next to the new one. Only the install folder: the data folder is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Log your off-the-job training"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the uninstaller removes exactly what setup installed, never the data.

[Code]
function WebView2Version(): String;
var
  Version: String;
begin
  Result := '';
  { Per-machine runtime (64-bit Windows keeps it in the 32-bit view), then per-user. }
  if RegQueryStringValue(HKLM, 'SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{#WebView2Client}', 'pv', Version)
     and (Version <> '') and (Version <> '0.0.0.0') then
    Result := Version
  else if RegQueryStringValue(HKLM, 'SOFTWARE\Microsoft\EdgeUpdate\Clients\{#WebView2Client}', 'pv', Version)
     and (Version <> '') and (Version <> '0.0.0.0') then
    Result := Version
  else if RegQueryStringValue(HKCU, 'Software\Microsoft\EdgeUpdate\Clients\{#WebView2Client}', 'pv', Version)
     and (Version <> '') and (Version <> '0.0.0.0') then
    Result := Version;
end;

function InitializeSetup(): Boolean;
begin
  Result := True;
  if WebView2Version() = '' then
  begin
    Log('Microsoft Edge WebView2 Runtime not found');
    Result := SuppressibleMsgBox(
      '{#AppName} shows its pages in a window that uses the Microsoft Edge WebView2 Runtime, ' +
      'which is missing on this computer. It comes with Windows 11 and up-to-date Windows 10.' + #13#10#13#10 +
      'To get it, install "Evergreen Bootstrapper" from ' +
      'https://developer.microsoft.com/microsoft-edge/webview2/ (or ask your IT team), ' +
      'then start {#AppName} again.' + #13#10#13#10 +
      'Install {#AppName} anyway? Until the runtime is installed it opens in your web browser instead.',
      mbConfirmation, MB_YESNO, IDYES) = IDYES;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() then
    MsgBox('{#AppName} has been removed. Your training log is still in ' +
      ExpandConstant('{localappdata}') + '\{#AppName}; delete that folder yourself if you ' +
      'no longer need it.', mbInformation, MB_OK);
end;
