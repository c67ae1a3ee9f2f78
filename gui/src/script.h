/*
 * script.h - scripted input and the view's state as JSON, for tests and
 * demonstrations of the keys and mouse without a display.
 */
#ifndef DASH_SCRIPT_H
#define DASH_SCRIPT_H

#include "dash.h"

/* Feeds the inputs of the script at path, line by line, through the window's
 * input handler (dash_input) and draws a frame after each line, as the window
 * loop does. app must be attached to a renderer. Errors name file:line. */
rc_status dash_script_run(dash_app *app, const char *path, rc_error *err);

/* Writes what the view shows as one JSON object to path ("-": stdout). */
rc_status dash_state_dump(dash_app *app, const char *path, rc_error *err);

#endif
