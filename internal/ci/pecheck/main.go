// Command pecheck inspects a Windows program file (PE) the way the packaging
// checks need: machine, subsystem (a GUI program must not open a console
// window), and its resources: icon, manifest, and the version resource that
// Explorer's Properties and the installer show.
//
//	go run ./internal/ci/pecheck -machine amd64 -subsystem gui -version 0.1.0.1 \
//	    -icon -manifest-has 'level="asInvoker"' -string ProductName=Pagekeeper Pagekeeper.exe
package main

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf16"
)

// Resource type IDs (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	machine := flag.String("machine", "", "expected machine: amd64 or 386")
	subsystem := flag.String("subsystem", "", "expected subsystem: gui or console")
	version := flag.String("version", "", "expected file and product version in the fixed version info, a.b.c.d")
	icon := flag.Bool("icon", false, "require an icon resource")
	manifest := flag.Bool("manifest", false, "require a manifest resource")
	var manifestHas stringsFlag
	flag.Var(&manifestHas, "manifest-has", "text the manifest must contain (repeatable)")
	var wantStrings stringsFlag
	flag.Var(&wantStrings, "string", "Key=Value that the version resource's strings must hold (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pecheck [flags] FILE.exe")
		os.Exit(2)
	}
	path := flag.Arg(0)
	info, err := inspect(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pecheck: %s: %v\n", path, err)
		os.Exit(1)
	}
	fmt.Printf("pecheck: %s: %s\n", path, info)

	var problems []string
	if *machine != "" && info.machine != *machine {
		problems = append(problems, fmt.Sprintf("machine is %s, want %s", info.machine, *machine))
	}
	switch *subsystem {
	case "":
	case "gui":
		if info.subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
			problems = append(problems, fmt.Sprintf("subsystem is %d, want Windows GUI (2): it would open a console window", info.subsystem))
		}
	case "console":
		if info.subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_CUI {
			problems = append(problems, fmt.Sprintf("subsystem is %d, want console (3)", info.subsystem))
		}
	default:
		problems = append(problems, "unknown -subsystem "+*subsystem)
	}
	if !info.hasVersion {
		problems = append(problems, "no version resource")
	} else if *version != "" && (info.fileVersion != *version || info.productVersion != *version) {
		problems = append(problems, fmt.Sprintf("version resource says file %s, product %s; want %s", info.fileVersion, info.productVersion, *version))
	}
	if *icon && !info.hasIcon {
		problems = append(problems, "no icon resource")
	}
	if (*manifest || len(manifestHas) > 0) && !info.hasManifest {
		problems = append(problems, "no manifest resource")
	}
	for _, want := range manifestHas {
		if !strings.Contains(info.manifest, want) {
			problems = append(problems, fmt.Sprintf("the manifest does not contain %s", want))
		}
	}
	for _, kv := range wantStrings {
		k, v, _ := strings.Cut(kv, "=")
		if got, ok := info.strings[k]; !ok || got != v {
			problems = append(problems, fmt.Sprintf("version string %s is %q, want %q", k, got, v))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "pecheck: %s: %s\n", path, p)
		}
		os.Exit(1)
	}
}

type peInfo struct {
	machine                     string
	subsystem                   uint16
	hasIcon, hasManifest        bool
	manifest                    string
	hasVersion                  bool
	fileVersion, productVersion string
	strings                     map[string]string
}

func (i peInfo) String() string {
	sub := map[uint16]string{pe.IMAGE_SUBSYSTEM_WINDOWS_GUI: "Windows GUI", pe.IMAGE_SUBSYSTEM_WINDOWS_CUI: "console"}[i.subsystem]
	keys := make([]string, 0, len(i.strings))
	for k := range i.strings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var strs []string
	for _, k := range keys {
		strs = append(strs, fmt.Sprintf("%s=%q", k, i.strings[k]))
	}
	return fmt.Sprintf("%s, subsystem %s (%d), icon %v, manifest %v, version resource %v (file %s, product %s) %s",
		i.machine, sub, i.subsystem, i.hasIcon, i.hasManifest, i.hasVersion, i.fileVersion, i.productVersion, strings.Join(strs, " "))
}

func inspect(path string) (peInfo, error) {
	var info peInfo
	f, err := pe.Open(path)
	if err != nil {
		return info, err
	}
	defer f.Close()
	switch f.FileHeader.Machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		info.machine = "amd64"
	case pe.IMAGE_FILE_MACHINE_I386:
		info.machine = "386"
	default:
		info.machine = fmt.Sprintf("0x%x", f.FileHeader.Machine)
	}
	var dir pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		info.subsystem, dir = oh.Subsystem, oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE]
	case *pe.OptionalHeader32:
		info.subsystem, dir = oh.Subsystem, oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE]
	default:
		return info, errors.New("no optional header: not a program file")
	}
	if dir.VirtualAddress == 0 {
		return info, nil // no resources at all
	}
	rsrc, base, err := sectionAt(f, dir.VirtualAddress)
	if err != nil {
		return info, err
	}
	r := resources{data: rsrc, base: base, rva: dir.VirtualAddress}
	types, err := r.dir(0)
	if err != nil {
		return info, err
	}
	for _, t := range types {
		switch t.id {
		case rtIcon, rtGroupIcon:
			info.hasIcon = info.hasIcon || t.id == rtGroupIcon
		case rtManifest:
			b, err := r.first(t)
			if err != nil {
				return info, fmt.Errorf("manifest: %w", err)
			}
			info.hasManifest, info.manifest = true, string(b)
		case rtVersion:
			b, err := r.first(t)
			if err != nil {
				return info, fmt.Errorf("version resource: %w", err)
			}
			info.hasVersion = true
			info.fileVersion, info.productVersion, info.strings, err = parseVersion(b)
			if err != nil {
				return info, fmt.Errorf("version resource: %w", err)
			}
		}
	}
	return info, nil
}

// sectionAt returns the data of the section holding rva and rva's offset in it.
func sectionAt(f *pe.File, rva uint32) ([]byte, uint32, error) {
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
			d, err := s.Data()
			if err != nil {
				return nil, 0, err
			}
			return d, rva - s.VirtualAddress, nil
		}
	}
	return nil, 0, fmt.Errorf("no section holds RVA 0x%x", rva)
}

type resources struct {
	data []byte // the section holding the resource directory
	base uint32 // offset of the resource directory in data
	rva  uint32 // RVA of the resource directory
}

type resEntry struct {
	id     uint32
	offset uint32 // from the directory start; subdirectory when sub
	sub    bool
}

func (r resources) dir(off uint32) ([]resEntry, error) {
	p := r.base + off
	if int(p)+16 > len(r.data) {
		return nil, errors.New("resource directory out of bounds")
	}
	named := binary.LittleEndian.Uint16(r.data[p+12:])
	ids := binary.LittleEndian.Uint16(r.data[p+14:])
	var out []resEntry
	for i := range uint32(named) + uint32(ids) {
		e := p + 16 + 8*i
		if int(e)+8 > len(r.data) {
			return nil, errors.New("resource entry out of bounds")
		}
		name := binary.LittleEndian.Uint32(r.data[e:])
		to := binary.LittleEndian.Uint32(r.data[e+4:])
		out = append(out, resEntry{id: name, offset: to &^ (1 << 31), sub: to&(1<<31) != 0})
	}
	return out, nil
}

// first follows the first name and language under a type to its data.
func (r resources) first(e resEntry) ([]byte, error) {
	for e.sub {
		es, err := r.dir(e.offset)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, errors.New("empty resource directory")
		}
		e = es[0]
	}
	p := r.base + e.offset
	if int(p)+8 > len(r.data) {
		return nil, errors.New("resource data entry out of bounds")
	}
	rva := binary.LittleEndian.Uint32(r.data[p:])
	size := binary.LittleEndian.Uint32(r.data[p+4:])
	start := r.base + (rva - r.rva)
	if int(start)+int(size) > len(r.data) {
		return nil, errors.New("resource data out of bounds")
	}
	return r.data[start : start+size], nil
}

// versionBlock is one node of a VS_VERSIONINFO tree.
type versionBlock struct {
	key      string
	value    []byte
	text     bool
	children []versionBlock
}

func align4(n int) int { return (n + 3) &^ 3 }

func parseBlock(b []byte) (versionBlock, int, error) {
	var v versionBlock
	if len(b) < 6 {
		return v, 0, errors.New("truncated block")
	}
	length := int(binary.LittleEndian.Uint16(b))
	valueLen := int(binary.LittleEndian.Uint16(b[2:]))
	v.text = binary.LittleEndian.Uint16(b[4:]) == 1
	if length < 6 || length > len(b) {
		return v, 0, fmt.Errorf("block length %d out of bounds", length)
	}
	b = b[:length]
	off := 6
	var key []uint16
	for ; off+1 < len(b); off += 2 {
		c := binary.LittleEndian.Uint16(b[off:])
		if c == 0 {
			off += 2
			break
		}
		key = append(key, c)
	}
	v.key = string(utf16.Decode(key))
	off = align4(off)
	size := valueLen
	if v.text {
		size *= 2 // characters
	}
	if off+size > len(b) {
		size = max(0, len(b)-off)
	}
	v.value = b[off : off+size]
	off = align4(off + size)
	for off < len(b) {
		c, n, err := parseBlock(b[off:])
		if err != nil {
			return v, 0, err
		}
		v.children = append(v.children, c)
		off += align4(n)
	}
	return v, length, nil
}

func utf16String(b []byte) string {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func parseVersion(b []byte) (fileVersion, productVersion string, strs map[string]string, err error) {
	root, _, err := parseBlock(b)
	if err != nil {
		return "", "", nil, err
	}
	if root.key != "VS_VERSION_INFO" || len(root.value) < 52 || binary.LittleEndian.Uint32(root.value) != 0xFEEF04BD {
		return "", "", nil, errors.New("not a VS_VERSIONINFO with fixed file info")
	}
	v := func(ms, ls uint32) string {
		return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
	}
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(root.value[i:]) }
	fileVersion, productVersion = v(u(8), u(12)), v(u(16), u(20))
	strs = map[string]string{}
	for _, c := range root.children {
		if c.key != "StringFileInfo" {
			continue
		}
		for _, table := range c.children {
			for _, s := range table.children {
				strs[s.key] = utf16String(s.value)
			}
		}
	}
	return fileVersion, productVersion, strs, nil
}
