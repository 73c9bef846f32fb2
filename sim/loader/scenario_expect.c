/* scenario_expect.c - the scenario schema, `expect:` (selectors, result
 * fields, exact values, strings and {min, max} ranges).  See
 * scenarios/README.md. */
#define _GNU_SOURCE
#include "sim/loader/scenario_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_selector(struct ydoc *c, yaml_node_t *k)
{
	static const char *const vends[] = { "vmx", "svm", "none", "arm", NULL };
	char b[128];
	const char *s = y_sval(k);
	size_t len = y_slen(k);
	const char *at = memchr(s, '@', len);
	size_t nl = at ? (size_t)(at - s) : len;
	bool ok = y_ident_ok(s, nl);
	const char *vend = NULL;
	for (int i = 0; vends[i] && ok; i++) {
		size_t vl = strlen(vends[i]);
		if (at ? (len - nl - 1 == vl && !memcmp(at + 1, vends[i], vl)) : y_is(k, vends[i]))
			vend = vends[i];
	}
	if (!ok || (at && !vend))
		y_fail(c, k, "invalid expect selector '%s': use all, vmx, svm, arm, none, POLICY or POLICY@VENDOR",
		       y_shown(s, len, b, sizeof b));
	if (!vend)
		return;
	enum vendor v = ((struct scenario *)c->user)->vendor;
	bool match = vend[0] == 'n' ? v == VENDOR_NONE
		   : vend[0] == 'a' ? v == VENDOR_ARM
		   : vend[0] == 'v' ? (v == VENDOR_VMX || v == VENDOR_BOTH)
				    : (v == VENDOR_SVM || v == VENDOR_BOTH);
	if (match)
		return;
	y_fail(c, k, "expect.%s: the scenario's vendor is %s, so %s expectations would never be checked",
	       y_shown(s, len, b, sizeof b), scenario_vendor_name(v), vend);
}

void scn_parse_expect(struct ydoc *c, yaml_node_t *n)
{
	static const char *const range_keys[] = { "min", "max", NULL };
	struct scenario *sc = c->user;
	y_need_map(c, n, "expect");
	y_check_keys(c, n, "expect", NULL);
	size_t total = 0;
	Y_FOR_PAIRS(n, kp) {
		yaml_node_t *k = y_node(c, kp->key), *v = y_node(c, kp->value);
		char p[128], b[80];
		check_selector(c, k);
		snprintf(p, sizeof p, "expect.%s", y_shown(y_sval(k), y_slen(k), b, sizeof b));
		y_need_map(c, v, p);
		y_check_keys(c, v, p, NULL);
		total += y_npairs(v);
	}
	sc->expects = y_calloc(c, total, sizeof *sc->expects);
	Y_FOR_PAIRS(n, kp) {
		yaml_node_t *k = y_node(c, kp->key), *v = y_node(c, kp->value);
		Y_FOR_PAIRS(v, fp) {
			yaml_node_t *fk = y_node(c, fp->key), *fv = y_node(c, fp->value);
			struct expectation *e = &sc->expects[sc->nexpects++];
			char p[256], b[96], b2[80];
			e->pos = y_pos(fk);
			e->selector = y_strndup(c, y_sval(k), y_slen(k));
			e->field = y_strndup(c, y_sval(fk), y_slen(fk));
			snprintf(p, sizeof p, "expect.%s.%s", y_shown(y_sval(k), y_slen(k), b, sizeof b),
				 y_shown(y_sval(fk), y_slen(fk), b2, sizeof b2));
			for (size_t i = 0; i < y_slen(fk); i++)
				if ((unsigned char)e->field[i] <= ' ')
					y_fail(c, fk, "invalid result field name '%s' in expect.%s",
					       y_shown(y_sval(fk), y_slen(fk), b2, sizeof b2), e->selector);
			if (fv->type == YAML_MAPPING_NODE) {
				y_check_keys(c, fv, p, range_keys);
				yaml_node_t *mn = y_find(c, fv, "min", NULL), *xn = y_find(c, fv, "max", NULL);
				if (!mn && !xn)
					y_fail(c, fv, "%s needs 'min' and/or 'max'", p);
				e->is_range = true;
				char q[300];
				if (mn) {
					snprintf(q, sizeof q, "%s.min", p);
					e->min = y_get_uint(c, mn, q);
					e->has_min = true;
				}
				if (xn) {
					snprintf(q, sizeof q, "%s.max", p);
					e->max = y_get_uint(c, xn, q);
					e->has_max = true;
				}
				if (mn && xn && e->min > e->max)
					y_fail(c, xn, "%s: min %" PRIu64 " is greater than max %" PRIu64, p,
					       e->min, e->max);
			} else if (y_is_scalar(fv) && !y_is_null(fv)) {
				char ch = y_sval(fv)[0];
				if (y_is_plain(fv) && ((ch >= '0' && ch <= '9') || ch == '-'))
					e->value = y_get_uint(c, fv, p);
				else
					e->str_value = y_get_string(c, fv, p);
			} else {
				y_fail(c, fv, "expected an unsigned integer, a string or {min, max} for %s, got %s",
				       p, y_describe(fv, b, sizeof b));
			}
		}
	}
}
