/*
 * wincred stands in for Pagekeeper in Windows Credential Manager under wine
 * (.ci/check-windows-wine): "set ID" stores a data key as the store does
 * through go-keyring (a generic credential "Pagekeeper:data-key:ID"), "list"
 * prints the Pagekeeper credentials that exist. It shows that a plain
 * uninstall keeps the key and that removing the data forgets it. C, not Go:
 * wine 8 lacks the bcryptprimitives.dll that Go 1.24+ programs need.
 *
 *   x86_64-w64-mingw32-gcc -municode -o wincred.exe wincred.c -ladvapi32
 */
#include <windows.h>
#include <wincred.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
    if (argc == 3 && wcscmp(argv[1], L"set") == 0) {
        wchar_t target[256], user[256];
        static const char value[] = "not-a-real-key";
        CREDENTIALW c = {0};
        swprintf(target, 256, L"Pagekeeper:data-key:%ls", argv[2]);
        swprintf(user, 256, L"data-key:%ls", argv[2]);
        c.Type = CRED_TYPE_GENERIC;
        c.TargetName = target;
        c.UserName = user;
        c.CredentialBlob = (LPBYTE)value;
        c.CredentialBlobSize = sizeof value - 1;
        c.Persist = CRED_PERSIST_LOCAL_MACHINE;
        if (!CredWriteW(&c, 0)) {
            fprintf(stderr, "wincred: CredWriteW failed: %lu\n", GetLastError());
            return 1;
        }
        return 0;
    }
    if (argc == 2 && wcscmp(argv[1], L"list") == 0) {
        DWORD n = 0;
        PCREDENTIALW *creds = NULL;
        if (!CredEnumerateW(L"Pagekeeper:*", 0, &n, &creds))
            return 0; /* ERROR_NOT_FOUND: none */
        for (DWORD i = 0; i < n; i++)
            wprintf(L"%ls\n", creds[i]->TargetName);
        CredFree(creds);
        return 0;
    }
    fprintf(stderr, "usage: wincred set ID | wincred list\n");
    return 2;
}
