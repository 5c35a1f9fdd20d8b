; Inno Setup 6 script of the Sổ Trẻ Em setup program (SoTreEm-Setup-<version>.exe).
;
; Built by installer/build.py on Windows after PyInstaller has made dist\SoTreEm:
;     ISCC /DAppVersion=0.1.0 /DBundleDir=...\dist\SoTreEm /DOutputDir=...\dist sotreem.iss
; Needs Inno Setup 6.3 or later (for "x64compatible"). Saved as UTF-8 with a BOM, which Inno
; Setup needs to read the Vietnamese text. See docs/installer.md.
;
; What it does:
; - installs for the current Windows account only, without administrator rights
;   (PrivilegesRequired=lowest: {autopf} is %LOCALAPPDATA%\Programs), so an officer can install
;   and upgrade it from a USB stick on a PC she does not administer;
; - Vietnamese wizard (Vietnamese.isl beside this file; Inno Setup ships no Vietnamese);
; - Start-menu shortcuts (the app, "Kiểm tra cài đặt", uninstall) and an optional desktop one;
; - never touches the commune's data: it lives in %PROGRAMDATA%\SoTreEm (desktop/paths.py),
;   outside the program folder, so an upgrade or a reinstall finds it as it was; the
;   uninstaller keeps it unless the person ticks "also delete the data" and confirms.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\SoTreEm"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
; The shipped setup: the smallest file. The tests' "older version" setup: /DCompression=zip.
#ifndef Compression
  #define Compression "lzma2/max"
#endif

#define AppName "Sổ Trẻ Em"
#define AppExe "SoTreEm.exe"
#define CliExe "sotreem-cli.exe"
#define DataFolder "SoTreEm"

[Setup]
; Never change AppId: it is how a newer setup finds the installed version to upgrade in place.
AppId={{6B0C2E4F-8D47-4C1B-9E3A-5F2A7D1C9B80}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription=Bộ cài {#AppName}
; Per user, no administrator. The folder is %LOCALAPPDATA%\Programs\SoTreEm, named directly:
; it is what {autopf} means for a per-user install on Windows 10/11 (FOLDERID_UserProgramFiles),
; and Wine 8 cannot expand {autopf}, so naming it lets CI install this very setup under Wine.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\SoTreEm
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; An upgrade installs over the same folder without asking again.
UsePreviousAppDir=yes
DisableDirPage=auto
DisableReadyPage=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 or 11.
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=SoTreEm-Setup-{#AppVersion}
SetupIconFile=sotreem.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression={#Compression}
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=no
; The app must be closed before its files are replaced (Restart Manager asks politely).
CloseApplications=yes
RestartApplications=no
; Code signing (see docs/installer.md): uncomment with a SignTool named "signtool" set up in
; the Inno Setup IDE (Tools > Configure Sign Tools), then every .exe is signed while packing.
;SignTool=signtool
;SignedUninstaller=yes

[Languages]
; Default.isl first, ours on top: anything not translated falls back to English, never breaks.
Name: "vi"; MessagesFile: "compiler:Default.isl,Vietnamese.isl"

[CustomMessages]
vi.SelfTestShortcut=Kiểm tra cài đặt {#AppName}
vi.DataKeptTitle=Gỡ cài đặt {#AppName}
vi.DataKeptText=Chương trình sẽ được gỡ khỏi máy này.%n%nDữ liệu của xã (sổ đã mã hóa, bản sao lưu, báo cáo đã xuất) nằm trong thư mục:%n%1%n%nDữ liệu này được GIỮ LẠI: cài lại chương trình là dùng tiếp được ngay.
vi.DeleteDataCheck=Xóa cả dữ liệu của xã (không lấy lại được)
vi.ContinueButton=Tiếp tục
vi.CancelButton=Hủy
vi.DeleteDataConfirm=Xóa VĨNH VIỄN toàn bộ dữ liệu trong %1?%n%nSổ theo dõi trẻ em và mọi bản sao lưu trong thư mục này sẽ mất, không ai khôi phục được. Chỉ chọn Có nếu đã có bản sao lưu ở nơi khác, hoặc máy này không còn dùng cho công tác trẻ em.
vi.DeleteDataFailed=Không xóa hết được thư mục dữ liệu:%n%1%n%nCó thể một tài khoản Windows khác đã tạo một số tệp trong đó. Hãy nhờ người quản trị máy xóa thư mục này.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: no module of the previous version may linger and be
; imported by the new one. Only program files live here; the data is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The data folder belongs to the commune, not to one Windows account: several officers may use
; this PC under their own accounts. Created here (if missing) so that every account of the PC
; may read and write it; never removed by the uninstaller (see [Code] for the opt-in delete).
Name: "{commonappdata}\{#DataFolder}"; Permissions: users-modify; Flags: uninsneveruninstall

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{cm:SelfTestShortcut}"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" --self-test"; WorkingDir: "{app}"; IconFilename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
var
  DeleteDataRequested: Boolean;

function DataDir(): String;
begin
  Result := ExpandConstant('{commonappdata}\{#DataFolder}');
end;

{ Ask, before anything is removed, whether the data should go too. Unticked by default; a
  tick is confirmed once more. Returning False cancels the uninstall. }
function AskAboutData(): Boolean;
var
  Form: TSetupForm;
  Info: TNewStaticText;
  Check: TNewCheckBox;
  ContinueButton, CancelButton: TNewButton;
begin
  Result := False;
  Form := CreateCustomForm();
  try
    Form.Caption := CustomMessage('DataKeptTitle');
    Form.ClientWidth := ScaleX(460);
    Form.ClientHeight := ScaleY(230);
    Form.Position := poScreenCenter;

    Info := TNewStaticText.Create(Form);
    Info.Parent := Form;
    Info.AutoSize := False;
    Info.WordWrap := True;
    Info.Left := ScaleX(16);
    Info.Top := ScaleY(16);
    Info.Width := Form.ClientWidth - ScaleX(32);
    Info.Height := ScaleY(130);
    Info.Caption := FmtMessage(CustomMessage('DataKeptText'), [DataDir()]);

    Check := TNewCheckBox.Create(Form);
    Check.Parent := Form;
    Check.Left := ScaleX(16);
    Check.Top := ScaleY(155);
    Check.Width := Form.ClientWidth - ScaleX(32);
    Check.Height := ScaleY(20);
    Check.Caption := CustomMessage('DeleteDataCheck');
    Check.Checked := False;

    ContinueButton := TNewButton.Create(Form);
    ContinueButton.Parent := Form;
    ContinueButton.Width := ScaleX(100);
    ContinueButton.Height := ScaleY(26);
    ContinueButton.Left := Form.ClientWidth - ScaleX(16 + 100 + 8 + 100);
    ContinueButton.Top := Form.ClientHeight - ScaleY(26 + 14);
    ContinueButton.Caption := CustomMessage('ContinueButton');
    ContinueButton.ModalResult := mrOk;
    ContinueButton.Default := True;

    CancelButton := TNewButton.Create(Form);
    CancelButton.Parent := Form;
    CancelButton.Width := ScaleX(100);
    CancelButton.Height := ScaleY(26);
    CancelButton.Left := Form.ClientWidth - ScaleX(16 + 100);
    CancelButton.Top := ContinueButton.Top;
    CancelButton.Caption := CustomMessage('CancelButton');
    CancelButton.ModalResult := mrCancel;
    CancelButton.Cancel := True;

    if Form.ShowModal() = mrOk then
    begin
      Result := True;
      if Check.Checked then
        DeleteDataRequested :=
          MsgBox(FmtMessage(CustomMessage('DeleteDataConfirm'), [DataDir()]),
                 mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
    end;
  finally
    Form.Free();
  end;
end;

function InitializeUninstall(): Boolean;
begin
  DeleteDataRequested := False;
  { A silent uninstall (/SILENT, /VERYSILENT) keeps the data, unless the command line asks for
    its deletion in so many words: unins000.exe /VERYSILENT /DELETEDATA=yes (for an IT person
    retiring a PC; it is how CI checks that deletion works). }
  if UninstallSilent() then
  begin
    DeleteDataRequested := CompareText(ExpandConstant('{param:DELETEDATA|no}'), 'yes') = 0;
    Result := True;
  end
  else if not DirExists(DataDir()) then
    Result := True
  else
    Result := AskAboutData();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DeleteDataRequested then
    if not DelTree(DataDir(), True, True, True) then
      SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteDataFailed'), [DataDir()]),
                         mbError, MB_OK, IDOK);
end;
