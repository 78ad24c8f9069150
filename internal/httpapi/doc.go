// Package httpapi is renewmap's HTTP face: the Echo routes, middleware, handlers and the one error
// handler that turns every error into JSON {"error", "code"} with the right status. Handlers call
// stores and engines through small interfaces; they never build SQL.
package httpapi
