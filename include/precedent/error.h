/*
 * error.h - the one list of error codes every module returns.
 *
 * Functions return 0 on success or a negative PRECEDENT_E* code; a message for a
 * person goes into the caller's error buffer or stderr. Codes are add-only: never
 * renumber, rename or remove one. precedent_errcode() gives the snake_case string
 * used in the native messaging contract (also add-only).
 */
#ifndef PRECEDENT_ERROR_H
#define PRECEDENT_ERROR_H

enum {
	PRECEDENT_OK = 0,
	PRECEDENT_ENOMEM = -1,      /* allocation failed */
	PRECEDENT_EINVAL = -2,      /* invalid argument or input */
	PRECEDENT_EIO = -3,         /* read/write failure */
	PRECEDENT_ETOOBIG = -4,     /* input larger than its cap */
	PRECEDENT_EUTF8 = -5,       /* invalid UTF-8 */
	PRECEDENT_EJSON = -6,       /* invalid JSON */
	PRECEDENT_ENOTOBJ = -7,     /* JSON value is not an object */
	PRECEDENT_ETYPE = -8,       /* unknown message type */
	PRECEDENT_EFIELD = -9,      /* missing or mistyped field */
	PRECEDENT_EDB = -10,        /* database error */
	PRECEDENT_ENOTFOUND = -11,  /* referenced object does not exist */
	PRECEDENT_EEOF = -12,       /* clean end of input */
	PRECEDENT_ETRUNC = -13,     /* input ended mid-frame */
	PRECEDENT_ESCHEMA = -14,    /* database schema newer than this binary */
	PRECEDENT_EPATTERN = -15,   /* bad regular expression */
	PRECEDENT_ECONFIG = -16,    /* bad configuration */
	PRECEDENT_ENET = -17,       /* network failure */
	PRECEDENT_EUPSTREAM = -18,  /* provider returned an error */
	PRECEDENT_ECANCELLED = -19, /* cancelled by the user */
	PRECEDENT_EBUSY = -20,      /* resource limit reached */
	PRECEDENT_EAUTH = -21,      /* authentication refused */
	PRECEDENT_ETIMEOUT = -22,   /* timed out */
	PRECEDENT_ECORRUPT = -23,   /* corrupt database */
	PRECEDENT_EREADONLY = -24,  /* read-only database or directory */
	PRECEDENT_EFULL = -25,      /* disk full */
	PRECEDENT_E_LAST = -25
};

/* A sentence for a person; never NULL. */
const char *precedent_strerror(int code);
/* The contract's snake_case code ("invalid_json", ...); never NULL. */
const char *precedent_errcode(int code);

#endif
