/* svg_int.h - the SVG drawing primitives of svg.c that timeline.c shares
 * (fixed "%.1f" coordinates, deterministic bytes); not for other rooms. */
#ifndef HVSIM_SIM_SVG_INT_H
#define HVSIM_SIM_SVG_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void svg_num(FILE *f, double v);
void svg_open_svg(FILE *f, const char *id, int w, int h, const char *title);
void svg_text(FILE *f, double x, double y, const char *anchor, int size, const char *fill, const char *s);
void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill, const char *tip);
void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke, double width);
void svg_fmt_u(char *b, size_t n, uint64_t v);
/* Legend items in rows below the plot; returns the height used (dry: draw nothing). */
int svg_legend(FILE *f, int x0, int y0, int width, const char (*names)[80], size_t n, const char *const *colors,
	       bool dry);
/* Axis scale: a 1-2-5 step with max in <= 5 steps, and the rounded-up top. */
void svg_scale(uint64_t max, uint64_t *ymax, uint64_t *step);

#endif
