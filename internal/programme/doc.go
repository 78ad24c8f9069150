// Package programme is the renovation programme's rule book, in pure Go: which stage a plan
// (一小区一方案) may move to and why not (the conditions a 旧改办 checks before 公示确认, 开工,
// 竣工验收 and 移交管理), which edits each stage still allows, the six goals (六个目标) derived from a
// plan's items and handover, and progress against the targets with overdue plans relative to an
// as-of date. internal/postgis loads and stores plans; every change goes through this package
// first. docs/programme.md describes the rules for people.
package programme
