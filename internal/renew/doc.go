// Package renew is the domain of renewmap: the words of the old-community renovation programme
// (小区 community, 楼栋 building, 片区 area, 改造方案 plan …) and the errors every other package
// speaks. It imports only the standard library and orb.
package renew
