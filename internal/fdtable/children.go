package fdtable

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Process is a child process of the current process: one it started and has
// not waited for (a waited-for child is gone from the system).
type Process struct {
	PID int `json:"pid"`
	// State is "running" (running or sleeping: alive), "zombie" (exited,
	// and nobody waited for it: only its parent's Wait removes it),
	// "stopped", or the kernel's letter for another state.
	State string `json:"state"`
	// Command is the command line, or the command's name when the command
	// line cannot be read (a zombie has none).
	Command string `json:"command"`
}

// children returns the child processes of the current process, reading
// procRoot: the children files of its threads where the kernel has them
// (/proc/self/task/*/children), else the parent of every process
// (/proc/*/stat). Processes that end while they are read are left out.
func children(procRoot string) []Process {
	pids, ok := childrenFiles(procRoot)
	if !ok {
		pids = childrenByParent(procRoot)
	}
	slices.Sort(pids)
	pids = slices.Compact(pids)
	var out []Process
	for _, pid := range pids {
		if p, ok := readProcess(procRoot, pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// childrenFiles reads /proc/self/task/*/children; ok is false where the
// kernel has no such files (CONFIG_PROC_CHILDREN unset).
func childrenFiles(procRoot string) (pids []int, ok bool) {
	files, _ := filepath.Glob(filepath.Join(procRoot, "self", "task", "*", "children"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		ok = true
		for _, field := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(field); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids, ok
}

// childrenByParent scans /proc/*/stat for the processes whose parent is the
// current process.
func childrenByParent(procRoot string) []int {
	self := selfPID(procRoot)
	if self <= 0 {
		return nil
	}
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(procRoot, pid); ok && st.ppid == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

// selfPID returns the process ID /proc/self stands for.
func selfPID(procRoot string) int {
	target, err := os.Readlink(filepath.Join(procRoot, "self"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(filepath.Base(target))
	return pid
}

// stat is what is used of /proc/PID/stat.
type stat struct {
	comm  string
	state byte
	ppid  int
}

// readStat reads /proc/PID/stat:
//
//	1234 (sleep) S 1200 1234 1200 0 -1 4194304 ...
//
// The command name is in parentheses and may hold spaces and parentheses
// itself: the fields after it follow the last ')'.
func readStat(procRoot string, pid int) (stat, bool) {
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}, false
	}
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return stat{}, false
	}
	rest := strings.Fields(string(data[end+1:]))
	if len(rest) < 2 || len(rest[0]) != 1 {
		return stat{}, false
	}
	ppid, err := strconv.Atoi(rest[1])
	if err != nil {
		return stat{}, false
	}
	return stat{comm: string(data[open+1 : end]), state: rest[0][0], ppid: ppid}, true
}

// readProcess describes process pid.
func readProcess(procRoot string, pid int) (Process, bool) {
	st, ok := readStat(procRoot, pid)
	if !ok {
		return Process{}, false
	}
	p := Process{PID: pid, State: stateName(st.state), Command: st.comm}
	if p.State == "" {
		return Process{}, false
	}
	if data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cmdline")); err == nil && len(data) > 0 {
		p.Command = strings.Join(strings.Split(strings.TrimRight(string(data), "\x00"), "\x00"), " ")
	}
	return p, true
}

// ProcessState returns the state of process pid (see [Process.State]), or
// "" when it cannot be read (the process is gone, or this system has no
// /proc).
func ProcessState(procRoot string, pid int) string {
	st, ok := readStat(procRoot, pid)
	if !ok {
		return ""
	}
	return stateName(st.state)
}

// stateName names the state letter of /proc/PID/stat ("" for a process
// being removed).
func stateName(c byte) string {
	switch c {
	case 'X', 'x':
		return ""
	case 'R', 'S', 'D', 'I', 'W':
		return "running"
	case 'Z':
		return "zombie"
	case 'T', 't':
		return "stopped"
	}
	return string(c)
}

// pidfdPID reads the process a pidfd descriptor refers to from
// /proc/self/fdinfo/N ("Pid:\t1234"); 0 when it cannot be read, -1 once
// the process was waited for.
func pidfdPID(procRoot string, fd int) int {
	f, err := os.Open(filepath.Join(procRoot, "self", "fdinfo", strconv.Itoa(fd)))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pid:"); ok {
			pid, _ := strconv.Atoi(strings.TrimSpace(v))
			return pid
		}
	}
	return 0
}
