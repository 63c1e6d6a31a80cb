/*
 * bontot/text.h - Vietnamese text: the dictionary order of names, display width.
 */
#ifndef BONTOT_TEXT_H
#define BONTOT_TEXT_H

#include "bontot/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Compare two Vietnamese personal names the way a list of people is sorted
 * in Vietnam: by given name (the last word), then the middle names in order,
 * then the family name (the first word). Words compare letter by letter in
 * the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u
 * ư v x y; f j w z in their Latin places), case-insensitively; words with
 * the same letters by tone: ngang, huyền, hỏi, ngã, sắc, nặng; and last by
 * the bytes, so that the order is total. Input is UTF-8, composed or not.
 * Returns <0, 0 or >0 like strcmp.
 */
int bt_vi_name_compare(const char *a, const char *b);

/*
 * The columns a UTF-8 text takes on a terminal: each character's display
 * width (a combining mark 0, a wide CJK character 2), for lining up tables.
 * Invalid bytes count one column each.
 */
size_t bt_text_width(const char *text);

#ifdef __cplusplus
}
#endif
#endif
