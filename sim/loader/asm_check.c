/* asm_check.c - what scenario `asm` text may not do, checked before GNU as
 * sees it (asm_internal.h).
 *
 * 1. Read files.  GNU as opens a file for exactly two directives, `.incbin`
 *    and `.include` (gas manual, "Pseudo Ops"; `.file`, `.loc`, `.linefile`
 *    only record names).  A scenario file is shared input, so both are
 *    refused, and so is everything that could spell them where this check
 *    cannot see it:
 *      - `.incbin` / `.include` with the dot, anywhere, in any case (gas
 *        matches directive names without case), even inside strings and
 *        comments, which costs nothing and needs no lexer;
 *      - the bare words `incbin` / `include` outside comments: the only way
 *        such a word becomes a directive is a macro argument (`.irp d,
 *        incbin` then `.\d`);
 *      - an instruction or directive name that contains a macro argument
 *        reference (`\d`, `.\d`): after substitution it could be anything;
 *      - when the text defines macros (`.macro`, `.irp`, `.irpc`), names
 *        joined from a macro argument and other characters (`.inc\()\b`,
 *        `\a\b`, `inc\b`), in code and in strings (gas strips the quotes of
 *        a quoted macro argument, so a string can become code); `\@` (the
 *        expansion counter, digits only) may still be joined;
 *      - `.altmacro` (arguments substituted without `\`, `&` joins) and
 *        `.mri` (directives without the dot): modes this lexer does not
 *        follow.
 *    Behind this check the tools run in an empty private directory (asm.c,
 *    asm_sandbox.c), so a relative path would find nothing anyway.
 * 2. Labels that are not labels.  In Intel syntax GNU as reads size
 *    operators, operators and register names as such wherever an expression
 *    is parsed, whatever the text defines: with a label `word`, `[rip +
 *    word]` assembles as `[rip + 2]` (tc-i386-intel.c's i386_types and
 *    i386_operators; the register table).  Defining such a name - a label,
 *    `name = ...`, `.set`/`.equ`/`.equiv`/`.eqv`, `.comm`/`.lcomm`,
 *    `.globl`/`.global`/`.weak`/`.local` - is refused with a suggestion, in
 *    any case (`Word:` too), since every use of it would silently mean the
 *    keyword.
 *
 * The lexer follows GNU as for x86 ELF: `#` starts a comment to the end of
 * the line, C comments `/ * ... * /` are removed, `;` and newlines end a
 * statement, strings are "..." with backslash escapes, 'c is a character
 * constant.  Where it could be wrong it errs towards refusing. */
#define _GNU_SOURCE
#include "sim/loader/asm_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ keywords */

static const struct {
	const char *name;
	unsigned size;
} size_ops[] = {
	{ "byte", 1 }, { "word", 2 }, { "dword", 4 }, { "fword", 6 }, { "qword", 8 },
	{ "mmword", 8 }, { "tbyte", 10 }, { "oword", 16 }, { "xmmword", 16 },
	{ "ymmword", 32 }, { "zmmword", 64 },
};

/* Operators and other Intel-syntax keywords (near/far are size types in
 * gas, with odd values; ptr/short/offset/flat belong to the operand syntax). */
static const char *const keywords[] = {
	"near", "far", "ptr", "offset", "short", "flat",
	"and", "or", "xor", "not", "mod", "shl", "shr", "eq", "ne", "lt", "le", "gt", "ge",
};

static const char *const regs_exact[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp",
	"ax", "bx", "cx", "dx", "si", "di", "bp", "sp",
	"al", "bl", "cl", "dl", "ah", "bh", "ch", "dh", "sil", "dil", "bpl", "spl",
	"es", "cs", "ss", "ds", "fs", "gs", "st", "rip", "eip",
};

/* Register families PREFIX<n>[SUFFIX] with n in [lo, hi]. */
static const struct {
	const char *prefix;
	unsigned lo, hi;
	const char *suffixes;  /* allowed one-letter suffixes ("" none) */
} reg_families[] = {
	{ "r", 8, 31, "dwb" },  /* r8-r15; r16-r31 are APX registers in binutils 2.43+ */
	{ "cr", 0, 15, "" }, { "dr", 0, 15, "" }, { "db", 0, 15, "" },
	{ "mm", 0, 7, "" }, { "xmm", 0, 31, "" }, { "ymm", 0, 31, "" }, { "zmm", 0, 31, "" },
	{ "k", 0, 7, "" }, { "bnd", 0, 3, "" }, { "tmm", 0, 7, "" },
};

static bool eq_nocase(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

static bool is_family_reg(const char *s, size_t n)
{
	for (size_t f = 0; f < sizeof reg_families / sizeof reg_families[0]; f++) {
		size_t pl = strlen(reg_families[f].prefix);
		if (n <= pl || strncasecmp(s, reg_families[f].prefix, pl) != 0)
			continue;
		size_t i = pl;
		unsigned v = 0;
		if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
			continue;              /* no leading zeros: xmm01 is a name */
		size_t d0 = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - d0 < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == d0 || v < reg_families[f].lo || v > reg_families[f].hi)
			continue;
		if (i == n)
			return true;
		if (i + 1 == n && reg_families[f].suffixes[0] &&
		    strchr(reg_families[f].suffixes, s[i] | 0x20))
			return true;
	}
	return false;
}

const char *asm_keyword_kind(const char *name, size_t len, unsigned *size)
{
	for (size_t i = 0; i < sizeof size_ops / sizeof size_ops[0]; i++)
		if (eq_nocase(name, len, size_ops[i].name)) {
			if (size)
				*size = size_ops[i].size;
			return "size";
		}
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (eq_nocase(name, len, keywords[i]))
			return "operator";
	for (size_t i = 0; i < sizeof regs_exact / sizeof regs_exact[0]; i++)
		if (eq_nocase(name, len, regs_exact[i]))
			return "register";
	return is_family_reg(name, len) ? "register" : NULL;
}

/* ------------------------------------------------------------ scanner */

#define MAX_FORMALS 256

struct scan {
	const char *text;
	bool macros;              /* the text defines macros (.macro/.irp/.irpc) */
	bool a64;                 /* AArch64 syntax: '#' marks immediates, comments are "//" (issue 20) */
	size_t nformals;          /* macro parameter names (all macros, .irp/.irpc symbols) */
	const char *formal[MAX_FORMALS];
	size_t formal_len[MAX_FORMALS];
	int *line, *col;
	char *err;
	size_t errsize;
};

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '$';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Word characters for the directive-name boundaries ('.' is a boundary). */
static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

__attribute__((format(printf, 3, 4)))
static int fail(struct scan *s, const char *at, const char *fmt, ...)
{
	int line = 1;
	const char *ls = s->text;
	for (const char *p = s->text; p < at; p++)
		if (*p == '\n') {
			line++;
			ls = p + 1;
		}
	*s->line = line;
	*s->col = (int)(at - ls);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* A case-insensitive whole word `w` at p (word_char boundaries). */
static bool word_at(const char *text, const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncasecmp(p, w, n) == 0 && !word_char(p[n]) && (p == text || !word_char(p[-1]));
}

static const char *const read_dirs[] = { "incbin", "include" };
static const char *const mode_dirs[] = { "altmacro", "mri" };
static const char *const macro_dirs[] = { "macro", "irp", "irpc" };

/* Pass 1: dotted directive names anywhere (strings and comments included). */
static int scan_dotted(struct scan *s)
{
	for (const char *p = s->text; *p; p++) {
		if (*p != '.')
			continue;
		for (size_t i = 0; i < 2; i++) {
			if (word_at(s->text, p + 1, read_dirs[i]))
				return fail(s, p, ".%s is not allowed: scenario files may not read "
					    "other files", read_dirs[i]);
			if (word_at(s->text, p + 1, mode_dirs[i]))
				return fail(s, p, ".%s is not allowed: %s", mode_dirs[i],
					    i == 0 ? "alternate macro syntax can build directive "
						     "names this check cannot follow"
						   : "MRI mode accepts directives without the leading '.'");
		}
		for (size_t i = 0; i < 3; i++)
			if (word_at(s->text, p + 1, macro_dirs[i]))
				s->macros = true;
	}
	return 0;
}

static void add_formal(struct scan *s, const char *w, size_t n)
{
	if (s->nformals < MAX_FORMALS) {
		s->formal[s->nformals] = w;
		s->formal_len[s->nformals++] = n;
	}
}

static bool is_formal(const struct scan *s, const char *w, size_t n)
{
	if (s->nformals == MAX_FORMALS)
		return true;                   /* too many to track: every name may be one */
	for (size_t i = 0; i < s->nformals; i++)
		if (s->formal_len[i] == n && !memcmp(s->formal[i], w, n))
			return true;
	return false;
}

/* The parameter names of every `.macro NAME a, b=x, c:req` and the symbol of
 * every `.irp SYM, ...` / `.irpc SYM, ...` (wherever they appear; a union
 * is enough: they only decide whether a backslash in a string is a
 * substitution). */
static void collect_formals(struct scan *s)
{
	for (const char *p = s->text; *p; p++) {
		if (*p != '.' || (p > s->text && word_char(p[-1])))
			continue;
		bool mac = word_at(s->text, p + 1, "macro");
		bool irp = word_at(s->text, p + 1, "irp") || word_at(s->text, p + 1, "irpc");
		if (!mac && !irp)
			continue;
		p += mac ? 6 : (word_at(s->text, p + 1, "irp") ? 4 : 5);
		int k = 0;               /* identifiers seen on this line */
		bool skip = false;       /* inside a default value */
		while (*p && *p != '\n' && *p != ';') {
			if (*p == ',') {
				skip = false;
				p++;
			} else if (*p == '=' || *p == ':') {
				skip = true;
				p++;
			} else if (ident_start(*p)) {
				const char *w = p;
				while (ident_char(*p))
					p++;
				if (!skip && (irp ? k == 0 : k >= 1))
					add_formal(s, w, (size_t)(p - w));
				k++;
				if (irp)
					skip = true;
			} else {
				p++;
			}
		}
		if (!*p)
			break;
	}
}

static int check_bare(struct scan *s, const char *w, size_t n)
{
	for (size_t i = 0; i < 2; i++)
		if (eq_nocase(w, n, read_dirs[i]) && (w == s->text || w[-1] != '.'))
			return fail(s, w, "'%.*s' is not allowed outside comments: a macro "
				    "argument could make it .%s (scenario files may not read other "
				    "files)", (int)n, w, read_dirs[i]);
	return 0;
}

static int check_name(struct scan *s, const char *w, size_t n, const char *what)
{
	if (s->a64)
		return 0;                  /* Intel-syntax keywords mean nothing to the AArch64 assembler */
	unsigned size = 0;
	const char *kind = asm_keyword_kind(w, n, &size);
	int m = n > 40 ? 40 : (int)n;
	if (!kind)
		return 0;
	if (!strcmp(kind, "size"))
		return fail(s, w, "%s '%.*s' is an assembler keyword in Intel syntax ([rip + %.*s] "
			    "would assemble as [rip + %u]); rename it, e.g. '%.*s_'",
			    what, m, w, m, w, size, m, w);
	if (!strcmp(kind, "operator"))
		return fail(s, w, "%s '%.*s' is an assembler keyword in Intel syntax (GNU as reads "
			    "it as an operator, not as the %s); rename it, e.g. '%.*s_'",
			    what, m, w, what, m, w);
	return fail(s, w, "%s '%.*s' is a register name in Intel syntax (GNU as reads it as "
		    "the register, not as the %s); rename it, e.g. '%.*s_'", what, m, w, what, m, w);
}

/* A word: identifier characters and macro references (\name, \(), \@).
 * Sets *named (named references) and *joined (a reference joined to other
 * characters or another named reference). */
static const char *read_word(const char *p, int *named, bool *joined)
{
	int lit = 0, counters = 0;
	bool sep = false;
	*named = 0;
	while (*p) {
		if (*p == '\\') {
			if (p[1] == '(' && p[2] == ')') {
				sep = true;
				p += 3;
			} else if (p[1] == '@' || p[1] == '+') {
				counters++;
				p += 2;
			} else if (ident_char(p[1])) {
				(*named)++;
				p++;
				while (ident_char(*p))
					p++;
			} else {
				break;
			}
		} else if (ident_char(*p)) {
			lit++;
			p++;
		} else {
			break;
		}
	}
	(void)counters;
	*joined = *named > 1 || (*named == 1 && (lit > 0 || sep)) || (sep && lit > 0);
	return p;
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

/* Directives whose first operand defines a symbol. */
static bool defines_symbol(const char *w, size_t n)
{
	static const char *const d[] = { ".set", ".equ", ".equiv", ".eqv", ".comm", ".lcomm",
					 ".globl", ".global", ".weak", ".local" };
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (eq_nocase(w, n, d[i]))
			return true;
	return false;
}

/* A "..." string at p (p at the quote); returns the end (after the closing
 * quote, or at the newline/NUL that ends it). */
static const char *scan_string(struct scan *s, const char *p, int *rc)
{
	*rc = 0;
	p++;
	while (*p && *p != '"' && *p != '\n') {
		if (*p == '\\' && s->macros) {
			if (p[1] == '(' && p[2] == ')') {
				*rc = fail(s, p, "joining macro arguments with '\\()' is not allowed: "
					   "it could spell .incbin or .include");
				return p;
			}
			size_t m = 0;
			while (ident_char(p[1 + m]))
				m++;
			bool ref = m && is_formal(s, p + 1, m);
			bool next_ref = ref && p[1 + m] == '\\';
			if (ref && ((p > s->text && ident_char(p[-1])) || next_ref)) {
				if (m > 40)
					m = 40;
				*rc = fail(s, p, "joining a macro argument to other characters "
					   "('%c\\%.*s') is not allowed in a text that defines macros: "
					   "it could spell .incbin or .include", p[-1], (int)m, p + 1);
				return p;
			}
		}
		if (*p == '\\' && p[1] && p[1] != '\n') {
			p += 2;
			continue;
		}
		if (ident_start(*p) && (p[-1] == '"' || !ident_char(p[-1]))) {
			const char *w = p;
			while (ident_char(*p))
				p++;
			if ((*rc = check_bare(s, w, (size_t)(p - w))))
				return p;
			continue;
		}
		p++;
	}
	return *p == '"' ? p + 1 : p;
}

/* Pass 2: statements. */
static int scan_statements(struct scan *s)
{
	const char *p = s->text;
	bool start = true;        /* at the start of a statement (labels, then the op) */
	const char *def_next = NULL;   /* op that defines the next name, if any */
	int rc;
	while (*p) {
		char c = *p;
		if (c == '\n' || c == ';') {
			start = true;
			def_next = NULL;
			p++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == ',') {
			p++;
			continue;
		}
		if (c == '#' && s->a64) {
			/* an immediate (#5): not a comment in AArch64 syntax */
			p++;
			continue;
		}
		if (c == '#' || (s->a64 && c == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (c == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		if (c == '"') {
			const char *q = p;
			p = scan_string(s, p, &rc);
			if (rc)
				return rc;
			const char *after = skip_blank(p);
			if (start && *after == ':' && p - q >= 2) {
				/* "name": a quoted label */
				if ((rc = check_name(s, q + 1, (size_t)(p - q - 2), "label")))
					return rc;
				p = after + 1;
				continue;
			}
			start = false;
			continue;
		}
		if (c == '\'') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			if (*p && *p != '\n')
				p++;
			start = false;
			continue;
		}
		if (ident_start(c) || (c == '\\' && (ident_char(p[1]) || p[1] == '(' || p[1] == '@'))) {
			const char *w = p;
			int named;
			bool joined;
			p = read_word(p, &named, &joined);
			size_t n = (size_t)(p - w);
			int m = n > 40 ? 40 : (int)n;
			if (n == 0) {              /* a lone backslash */
				p++;
				start = false;
				continue;
			}
			if (s->macros && joined)
				return fail(s, w, "joining macro arguments into one name ('%.*s') is not "
					    "allowed: it could spell .incbin or .include", m, w);
			if (!named && (rc = check_bare(s, w, n)))
				return rc;
			const char *after = skip_blank(p);
			if (start && *after == ':') {
				if (!named && (rc = check_name(s, w, n, "label")))
					return rc;
				p = after + 1;
				continue;
			}
			if (start) {
				if (named)
					return fail(s, w, "an instruction or directive name built from a "
						    "macro argument ('%.*s') is not allowed: it could spell "
						    ".incbin or .include", m, w);
				if (*after == '=' && !named && (rc = check_name(s, w, n, "symbol")))
					return rc;
				def_next = defines_symbol(w, n) ? w : NULL;
				start = false;
				continue;
			}
			if (def_next && !named) {
				if ((rc = check_name(s, w, n, "symbol")))
					return rc;
			}
			def_next = NULL;
			continue;
		}
		if (start && c >= '0' && c <= '9') {
			/* numeric local label "1:" */
			const char *q = p;
			while (*q >= '0' && *q <= '9')
				q++;
			q = skip_blank(q);
			if (*q == ':') {
				p = q + 1;
				continue;
			}
		}
		if (c >= '0' && c <= '9') {
			/* a number (0x1f, 0ah, 1f): one token, not a name */
			while (ident_char(*p))
				p++;
			start = false;
			def_next = NULL;
			continue;
		}
		start = false;
		def_next = NULL;
		p++;
	}
	return 0;
}

int asm_check_text(const char *text, int *line, int *col, char *err, size_t errsize)
{
	return asm_check_text_arch(text, false, line, col, err, errsize);
}

int asm_check_text_arch(const char *text, bool a64, int *line, int *col, char *err, size_t errsize)
{
	struct scan s = { .text = text, .line = line, .col = col, .err = err, .errsize = errsize, .a64 = a64 };
	*line = 0;
	*col = 0;
	if (scan_dotted(&s))
		return -1;
	if (s.macros)
		collect_formals(&s);
	return scan_statements(&s);
}
