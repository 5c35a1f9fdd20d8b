; *** Inno Setup 6 — tiếng Việt cho bộ cài Sổ Trẻ Em ***
;
; Inno Setup không kèm sẵn tệp tiếng Việt (Vietnamese.isl chỉ có trong các bản dịch
; "unofficial" trên trang của Inno Setup), nên dự án mang theo tệp này. sotreem.iss dùng
;     MessagesFile: "compiler:Default.isl,Vietnamese.isl"
; nên mọi thông điệp không có ở đây vẫn hiện bằng tiếng Anh của Default.isl, và một phiên bản
; Inno Setup mới thêm thông điệp cũng không làm hỏng việc tạo bộ cài.
; Tệp phải được lưu ở dạng UTF-8 có BOM thì Inno Setup mới đọc đúng chữ Việt. Chỉ dùng những
; tên thông điệp có từ Inno Setup 6.0 đến nay (những thông điệp đã đổi tên giữa các bản 6.x,
; như FileExists/FileExists2, để Default.isl lo).

[LangOptions]
LanguageName=Tiếng Việt
LanguageID=$042A
LanguageCodePage=0

[Messages]

; *** Tên cửa sổ
SetupAppTitle=Cài đặt
SetupWindowTitle=Cài đặt %1
UninstallAppTitle=Gỡ cài đặt
UninstallAppFullTitle=Gỡ cài đặt %1

; *** Chung
InformationTitle=Thông tin
ConfirmTitle=Xác nhận
ErrorTitle=Lỗi

; *** Khởi động
SetupLdrStartupMessage=Chương trình sẽ cài đặt %1. Bạn có muốn tiếp tục không?
LdrCannotCreateTemp=Không tạo được tệp tạm. Đã dừng cài đặt
LdrCannotExecTemp=Không chạy được tệp trong thư mục tạm. Đã dừng cài đặt
LastErrorMessage=%1.%n%nLỗi %2: %3
SetupFileMissing=Thiếu tệp %1 trong thư mục cài đặt. Hãy chép lại bộ cài rồi chạy lại.
SetupFileCorrupt=Tệp cài đặt bị hỏng. Hãy chép lại bộ cài (ví dụ từ USB khác) rồi chạy lại.
SetupFileCorruptOrWrongVer=Tệp cài đặt bị hỏng hoặc không đúng phiên bản. Hãy chép lại bộ cài rồi chạy lại.
InvalidParameter=Tham số dòng lệnh không hợp lệ:%n%n%1
SetupAlreadyRunning=Chương trình cài đặt đang chạy rồi.
WindowsVersionNotSupported=Chương trình không chạy được trên phiên bản Windows của máy này (cần Windows 10 hoặc 11, 64-bit).
OnlyOnTheseArchitectures=Chương trình chỉ cài được trên Windows dành cho các loại bộ xử lý sau:%n%n%1
WinVersionTooLowError=Chương trình cần %1 phiên bản %2 trở lên.
WinVersionTooHighError=Chương trình không cài được trên %1 phiên bản %2 trở lên.
AdminPrivilegesRequired=Cần đăng nhập bằng tài khoản quản trị để cài chương trình này.
SetupAppRunningError=%1 đang mở.%n%nHãy đóng chương trình rồi bấm OK để tiếp tục, hoặc bấm Hủy để thoát.
UninstallAppRunningError=%1 đang mở.%n%nHãy đóng chương trình rồi bấm OK để tiếp tục, hoặc bấm Hủy để thoát.

; *** Lỗi thư mục
ErrorCreatingDir=Không tạo được thư mục "%1"
ErrorTooManyFilesInDir=Không tạo được tệp trong thư mục "%1" vì thư mục có quá nhiều tệp

; *** Thoát
ExitSetupTitle=Thoát cài đặt
ExitSetupMessage=Việc cài đặt chưa xong. Nếu thoát bây giờ, chương trình sẽ không được cài.%n%nBạn có thể chạy lại bộ cài lúc khác.%n%nThoát cài đặt?
AboutSetupMenuItem=&Giới thiệu bộ cài...
AboutSetupTitle=Giới thiệu bộ cài
AboutSetupMessage=%1 phiên bản %2%n%3%n%nTrang chủ %1:%n%4

; *** Nút bấm
ButtonBack=< &Quay lại
ButtonNext=&Tiếp >
ButtonInstall=&Cài đặt
ButtonOK=OK
ButtonCancel=Hủy
ButtonYes=&Có
ButtonYesToAll=Có cho &tất cả
ButtonNo=&Không
ButtonNoToAll=Kh&ông cho tất cả
ButtonFinish=&Xong
ButtonBrowse=&Chọn...
ButtonWizardBrowse=C&họn...
ButtonNewFolder=&Tạo thư mục mới

; *** Chọn ngôn ngữ
SelectLanguageTitle=Chọn ngôn ngữ cài đặt
SelectLanguageLabel=Chọn ngôn ngữ dùng trong khi cài đặt:

; *** Chung cho các trang
ClickNext=Bấm Tiếp để tiếp tục, hoặc Hủy để thoát cài đặt.
BrowseDialogTitle=Chọn thư mục
BrowseDialogLabel=Chọn một thư mục trong danh sách dưới đây rồi bấm OK.
NewFolderName=Thư mục mới

; *** Trang chào
WelcomeLabel1=Chào mừng bạn đến với bộ cài [name]
WelcomeLabel2=Bộ cài sẽ cài [name/ver] vào máy tính này.%n%nDữ liệu của xã (nếu máy đã có) được giữ nguyên.%n%nNên đóng các chương trình khác trước khi tiếp tục.

; *** Trang thông tin
WizardInfoBefore=Thông tin
InfoBeforeLabel=Hãy đọc thông tin quan trọng dưới đây trước khi tiếp tục.
InfoBeforeClickLabel=Khi sẵn sàng, bấm Tiếp.
WizardInfoAfter=Thông tin
InfoAfterLabel=Hãy đọc thông tin quan trọng dưới đây trước khi tiếp tục.
InfoAfterClickLabel=Khi sẵn sàng, bấm Tiếp.

; *** Trang chọn thư mục cài đặt
WizardSelectDir=Chọn nơi cài đặt
SelectDirDesc=Cài [name] vào đâu?
SelectDirLabel3=Bộ cài sẽ cài [name] vào thư mục sau.
SelectDirBrowseLabel=Bấm Tiếp để tiếp tục. Muốn chọn thư mục khác thì bấm Chọn.
DiskSpaceMBLabel=Cần ít nhất [mb] MB dung lượng trống trên ổ đĩa.
CannotInstallToNetworkDrive=Không cài được vào ổ mạng.
CannotInstallToUNCPath=Không cài được vào đường dẫn mạng (UNC).
InvalidPath=Hãy nhập đường dẫn đầy đủ có tên ổ đĩa, ví dụ:%n%nC:\APP
InvalidDrive=Ổ đĩa đã chọn không có hoặc không dùng được. Hãy chọn ổ khác.
DiskSpaceWarningTitle=Không đủ dung lượng
DiskSpaceWarning=Cần ít nhất %1 KB trống để cài, nhưng ổ đã chọn chỉ còn %2 KB.%n%nVẫn tiếp tục?
DirNameTooLong=Tên thư mục hoặc đường dẫn quá dài.
InvalidDirName=Tên thư mục không hợp lệ.
BadDirName32=Tên thư mục không được chứa các ký tự sau:%n%n%1
DirExistsTitle=Thư mục đã có
DirExists=Thư mục:%n%n%1%n%nđã có. Vẫn cài vào thư mục này?
DirDoesntExistTitle=Thư mục chưa có
DirDoesntExist=Thư mục:%n%n%1%n%nchưa có. Tạo thư mục này?

; *** Trang chọn việc thêm
WizardSelectTasks=Chọn việc thêm
SelectTasksDesc=Bộ cài làm thêm những việc nào?
SelectTasksLabel2=Chọn những việc bộ cài làm thêm khi cài [name], rồi bấm Tiếp.

; *** Trang chọn thư mục trong menu Start
WizardSelectProgramGroup=Chọn thư mục trong menu Start
SelectStartMenuFolderDesc=Đặt lối tắt của chương trình vào đâu?
SelectStartMenuFolderLabel3=Bộ cài sẽ tạo lối tắt của chương trình trong thư mục sau của menu Start.
SelectStartMenuFolderBrowseLabel=Bấm Tiếp để tiếp tục. Muốn chọn thư mục khác thì bấm Chọn.
MustEnterGroupName=Hãy nhập tên thư mục.
GroupNameTooLong=Tên thư mục hoặc đường dẫn quá dài.
InvalidGroupName=Tên thư mục không hợp lệ.
BadGroupName=Tên thư mục không được chứa các ký tự sau:%n%n%1
NoProgramGroupCheck2=&Không tạo thư mục trong menu Start

; *** Trang sẵn sàng cài đặt
WizardReady=Sẵn sàng cài đặt
ReadyLabel1=Bộ cài đã sẵn sàng cài [name] vào máy tính này.
ReadyLabel2a=Bấm Cài đặt để bắt đầu, hoặc Quay lại nếu muốn xem lại hay thay đổi lựa chọn.
ReadyLabel2b=Bấm Cài đặt để bắt đầu.
ReadyMemoDir=Nơi cài đặt:
ReadyMemoType=Kiểu cài đặt:
ReadyMemoComponents=Thành phần đã chọn:
ReadyMemoGroup=Thư mục trong menu Start:
ReadyMemoTasks=Việc thêm:

; *** Trang chuẩn bị cài đặt
WizardPreparing=Chuẩn bị cài đặt
PreparingDesc=Bộ cài đang chuẩn bị cài [name] vào máy tính này.
PreviousInstallNotCompleted=Lần cài đặt hoặc gỡ bỏ chương trình trước chưa xong. Cần khởi động lại máy để hoàn tất.%n%nSau khi khởi động lại, hãy chạy lại bộ cài để cài [name].
CannotContinue=Không thể tiếp tục cài đặt. Bấm Hủy để thoát.
ApplicationsFound=Các chương trình sau đang dùng những tệp cần cập nhật. Nên để bộ cài tự đóng các chương trình này.
ApplicationsFound2=Các chương trình sau đang dùng những tệp cần cập nhật. Nên để bộ cài tự đóng các chương trình này. Cài xong, bộ cài sẽ thử mở lại chúng.
CloseApplications=&Tự động đóng các chương trình
DontCloseApplications=&Không đóng các chương trình
ErrorCloseApplications=Bộ cài không tự đóng được mọi chương trình. Hãy tự đóng các chương trình đang dùng những tệp cần cập nhật rồi tiếp tục.

; *** Trang đang cài đặt
WizardInstalling=Đang cài đặt
InstallingLabel=Xin chờ trong khi bộ cài cài [name] vào máy tính này.

; *** Trang hoàn tất
FinishedHeadingLabel=Đã cài xong [name]
FinishedLabelNoIcons=Bộ cài đã cài xong [name] vào máy tính này.
FinishedLabel=Bộ cài đã cài xong [name] vào máy tính này. Mở chương trình bằng lối tắt trong menu Start hoặc trên màn hình nền.
ClickFinish=Bấm Xong để thoát bộ cài.
FinishedRestartLabel=Cần khởi động lại máy để hoàn tất việc cài [name]. Khởi động lại ngay bây giờ?
FinishedRestartMessage=Cần khởi động lại máy để hoàn tất việc cài [name].%n%nKhởi động lại ngay bây giờ?
ShowReadmeCheck=Có, tôi muốn xem tệp hướng dẫn
YesRadio=&Có, khởi động lại máy ngay
NoRadio=&Không, tôi sẽ khởi động lại sau
RunEntryExec=Mở %1
RunEntryShellExec=Xem %1

; *** Trong khi cài
SetupAborted=Việc cài đặt chưa xong.%n%nHãy khắc phục vấn đề rồi chạy lại bộ cài.
AbortRetryIgnoreChooseAction=Chọn cách xử lý
AbortRetryIgnoreRetry=Thử lại
AbortRetryIgnoreProceedAnyway=Vẫn tiếp tục
AbortRetryIgnoreCancel=Hủy cài đặt

; *** Trạng thái
StatusClosingApplications=Đang đóng các chương trình...
StatusCreateDirs=Đang tạo thư mục...
StatusExtractFiles=Đang chép tệp...
StatusCreateIcons=Đang tạo lối tắt...
StatusCreateIniEntries=Đang ghi tệp cấu hình...
StatusCreateRegistryEntries=Đang ghi vào registry...
StatusRegisterFiles=Đang đăng ký tệp...
StatusSavingUninstall=Đang lưu thông tin gỡ cài đặt...
StatusRunProgram=Đang hoàn tất...
StatusRestartingApplications=Đang mở lại các chương trình...
StatusRollback=Đang hoàn lại các thay đổi...

; *** Lỗi khác
ErrorInternal2=Lỗi nội bộ: %1
ErrorFunctionFailedNoCode=%1 không thành công
ErrorFunctionFailed=%1 không thành công; mã %2
ErrorFunctionFailedWithMessage=%1 không thành công; mã %2.%n%3
ErrorExecutingProgram=Không chạy được tệp:%n%1

; *** Lỗi chép tệp
SourceIsCorrupted=Tệp nguồn bị hỏng
SourceDoesntExist=Không có tệp nguồn "%1"
ErrorReadingExistingDest=Có lỗi khi đọc tệp đang có:
ErrorChangingAttr=Có lỗi khi đổi thuộc tính của tệp đang có:
ErrorCreatingTemp=Có lỗi khi tạo tệp trong thư mục cài đặt:
ErrorReadingSource=Có lỗi khi đọc tệp nguồn:
ErrorCopying=Có lỗi khi chép tệp:
ErrorReplacingExistingFile=Có lỗi khi thay tệp đang có:
ErrorRenamingTemp=Có lỗi khi đổi tên tệp trong thư mục cài đặt:

; *** Tên trong danh sách chương trình đã cài
UninstallDisplayNameMark=%1 (%2)
UninstallDisplayNameMarks=%1 (%2, %3)
UninstallDisplayNameMark32Bit=32-bit
UninstallDisplayNameMark64Bit=64-bit
UninstallDisplayNameMarkAllUsers=Mọi người dùng
UninstallDisplayNameMarkCurrentUser=Người dùng hiện tại

; *** Gỡ cài đặt
UninstallNotFound=Không có tệp "%1". Không gỡ cài đặt được.
UninstallOpenError=Không mở được tệp "%1". Không gỡ cài đặt được
UninstallUnsupportedVer=Tệp nhật ký gỡ cài đặt "%1" có định dạng mà bản gỡ cài đặt này không đọc được. Không gỡ cài đặt được
UninstallUnknownEntry=Gặp mục lạ (%1) trong nhật ký gỡ cài đặt
ConfirmUninstall=Gỡ %1 khỏi máy tính này?
UninstallOnlyOnWin64=Chỉ gỡ được bản cài này trên Windows 64-bit.
OnlyAdminCanUninstall=Chỉ tài khoản quản trị mới gỡ được bản cài này.
UninstallStatusLabel=Xin chờ trong khi %1 được gỡ khỏi máy tính này.
UninstalledAll=Đã gỡ xong %1.
UninstalledMost=Đã gỡ %1.%n%nCòn vài mục không xóa được; có thể tự xóa chúng.
UninstalledAndNeedsRestart=Cần khởi động lại máy để gỡ xong %1.%n%nKhởi động lại ngay bây giờ?
UninstallDataCorrupted=Tệp "%1" bị hỏng. Không gỡ cài đặt được
WizardUninstalling=Tình trạng gỡ cài đặt
StatusUninstalling=Đang gỡ %1...

; *** Lý do tạm chặn tắt máy
ShutdownBlockReasonInstallingApp=Đang cài %1.
ShutdownBlockReasonUninstallingApp=Đang gỡ %1.

[CustomMessages]
NameAndVersion=%1 phiên bản %2
AdditionalIcons=Lối tắt:
CreateDesktopIcon=Tạo lối tắt trên &màn hình nền
UninstallProgram=Gỡ cài đặt %1
LaunchProgram=Mở %1 ngay
