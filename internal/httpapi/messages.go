package httpapi

import "renewmap/internal/msgcat"

// messages is the one message catalogue (web/static/messages.json), shared with the pages.
var messages = msgcat.Messages
