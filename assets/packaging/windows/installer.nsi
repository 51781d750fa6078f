; Pagekeeper's Windows installer (docs/PACKAGING.md), built by .ci/package-windows:
;   makensis -DVERSION=0.1.0 -DVERSION4=0.1.0.1 -DAPP_EXE=Pagekeeper.exe -DICON=pagekeeper.ico
;            -DNOTICES=THIRD-PARTY-NOTICES.txt -DHOMEPAGE=https://... -DOUTFILE=Pagekeeper-0.1.0-setup.exe installer.nsi
;
; For one person, without administrator rights: the program goes to
; %LOCALAPPDATA%\Programs\Pagekeeper, the shortcut to that person's Start menu, the uninstaller
; entry to HKCU. Pagekeeper's data lives in %AppData%\Pagekeeper, never in the program folder, so
; installing a newer version over an older one keeps every Page, setting and backup; uninstalling
; keeps them too unless the person ticks "Also remove my Pagekeeper data".
;
; For IT: Pagekeeper-<version>-setup.exe /S installs silently (/D=<folder> picks another folder);
; "%LOCALAPPDATA%\Programs\Pagekeeper\Uninstall.exe" /S uninstalls silently and keeps the data,
; add /REMOVEDATA to remove it too.

!ifndef VERSION | VERSION4 | APP_EXE | ICON | NOTICES | OUTFILE | HOMEPAGE
  !error "build with .ci/package-windows (it passes VERSION, VERSION4, APP_EXE, ICON, NOTICES, HOMEPAGE and OUTFILE)"
!endif

; Authenticode: with SIGN_CMD (.ci/sign-windows) the uninstaller and the installer are signed as
; they are written, so the uninstaller inside the installer carries a signature too.
!ifdef SIGN_CMD
  !finalize '"${SIGN_CMD}" "%1"' = 0
  !uninstfinalize '"${SIGN_CMD}" "%1"' = 0
!endif

; The installer's name ends in -setup.exe as people expect; Windows' installer detection does not
; apply to it because its manifest asks for no elevation (RequestExecutionLevel user).
!pragma warning disable 9000

Unicode true
Target amd64-unicode ; Pagekeeper is a 64-bit program; a 64-bit installer sees the real folders and registry
ManifestDPIAware true
ManifestSupportedOS all
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh

!define APP_NAME "Pagekeeper"
!define APP_ID "com.pagekeeper.app"
!define PUBLISHER "Pagekeeper"
!define EXE "Pagekeeper.exe"
!define UNINSTALLER "Uninstall.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
; An upgrade goes where the installed version is.
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails nevershow
ShowUninstDetails nevershow

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING

!define MUI_WELCOMEPAGE_TITLE "Install ${APP_NAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "${APP_NAME} keeps your business's Facebook Pages connected to Messenger.$\r$\n$\r$\nIt is installed for you only and needs no administrator rights.$\r$\n$\r$\nIf ${APP_NAME} is already installed, it is updated: your Pages, history and settings are kept.$\r$\n$\r$\nClick Install to continue."
!define MUI_PAGE_CUSTOMFUNCTION_SHOW WelcomeShowInstall
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME} now"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "${APP_NAME} will be removed from this computer. Your data (connected Pages, their history, settings and backups in $APPDATA\${APP_NAME}) is kept, so reinstalling brings everything back, unless you tick the box below."
!define MUI_COMPONENTSPAGE_TEXT_COMPLIST "What to remove:"
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME} ${VERSION} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "The ${APP_NAME} authors, Apache License 2.0"

; The Next button of the welcome page says Install: there is nothing else to choose.
Function WelcomeShowInstall
  GetDlgItem $0 $HWNDPARENT 1
  SendMessage $0 ${WM_SETTEXT} 0 "STR:&Install"
FunctionEnd

; A running Pagekeeper.exe cannot be replaced or deleted. Windows refuses to open a running
; program file for writing, which tells us without touching the file.
!macro DEFINE_CHECK_NOT_RUNNING UN
Function ${UN}CheckNotRunning
  ${IfNot} ${FileExists} "$INSTDIR\${EXE}"
    Return
  ${EndIf}
  retry:
  ClearErrors
  FileOpen $0 "$INSTDIR\${EXE}" a
  ${If} ${Errors}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME} is open. Close its window (your data is safe), then click Retry." /SD IDCANCEL IDRETRY retry
    SetErrorLevel 2
    Quit
  ${EndIf}
  FileClose $0
FunctionEnd
!macroend
!insertmacro DEFINE_CHECK_NOT_RUNNING ""
!insertmacro DEFINE_CHECK_NOT_RUNNING "un."

Function .onInit
  SetShellVarContext current
FunctionEnd

Section "${APP_NAME}" SecProgram
  SectionIn RO
  Call CheckNotRunning
  SetOutPath "$INSTDIR"
  File "/oname=${EXE}" "${APP_EXE}"
  File "/oname=THIRD-PARTY-NOTICES.txt" "${NOTICES}"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0 SW_SHOWNORMAL "" "Keep your Facebook Pages connected to Messenger"

  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "URLInfoAbout" "${HOMEPAGE}"
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "un.${APP_NAME} (the program and its Start menu shortcut)" SecUnProgram
  SectionIn RO
  Call un.CheckNotRunning
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\THIRD-PARTY-NOTICES.txt"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR" ; only if empty: never remove what someone else put there
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd

Section /o "un.Also remove my Pagekeeper data" SecUnData
  RMDir /r "$APPDATA\${APP_NAME}"
  RMDir /r "$APPDATA\fyne\${APP_ID}"
  RMDir "$APPDATA\fyne"
  Call un.ForgetDataKeys
SectionEnd

; (after the sections: it needs the index of SecUnData)
Function un.onInit
  SetShellVarContext current
  ; IT: Uninstall.exe /S /REMOVEDATA removes the data too.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecUnData}
  ${EndIf}
FunctionEnd

; The key that sealed the removed data is in Windows Credential Manager as
; "Pagekeeper:data-key:<database id>"; without the data it protects nothing, so it goes too.
Function un.ForgetDataKeys
  System::Call 'advapi32::CredEnumerateW(w "${APP_NAME}:data-key:*", i 0, *i .r1, *p .r2) i .r0'
  ${If} $0 == 0
    Return
  ${EndIf}
  StrCpy $3 0
  ${DoWhile} $3 < $1
    IntOp $4 $3 * ${NSIS_PTR_SIZE}
    IntPtrOp $4 $2 + $4
    System::Call '*$4(p .r5)' ; the $3-th CREDENTIALW* of the array
    System::Call '*$5(i .r6, i .r7, w .r8)' ; Flags, Type, TargetName
    System::Call 'advapi32::CredDeleteW(w r8, i r7, i 0)'
    IntOp $3 $3 + 1
  ${Loop}
  System::Call 'advapi32::CredFree(p r2)'
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnProgram} "${APP_NAME} itself, its Start menu shortcut and its entry in Installed apps."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnData} "Your connected Pages, their history, settings and backups ($APPDATA\${APP_NAME}). Leave this unticked to keep them."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
