/*
 * collate.c - the Vietnamese dictionary order of names (bontot/text.h).
 *
 * Each word is decomposed (NFD, utf8proc) into base letters and combining
 * marks. A base letter and its vowel modifier (breve, circumflex, horn) form
 * one letter of the Vietnamese alphabet; the tone mark (grave, hook above,
 * tilde, acute, dot below) belongs to the word. A word compares by its
 * letters, then its tone, before the next word is considered (all the "Hà"
 * before any "Hả").
 */
#include "bontot/text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_LETTERS 64

typedef struct {
	unsigned short letter[MAX_LETTERS];
	size_t n;
	int tone; /* 0 ngang, 1 huyền, 2 hỏi, 3 ngã, 4 sắc, 5 nặng */
} word_key;

/* Rank of a Latin letter in the Vietnamese alphabet: base * 4 + modifier slot, leaving room for ă â, ê, ô ơ, ư, đ. */
static unsigned short letter_rank(utf8proc_int32_t c)
{
	if (c >= 'a' && c <= 'z')
		return (unsigned short)(1000 + (c - 'a') * 4);
	if (c == 0x0111) /* đ */
		return (unsigned short)(1000 + ('d' - 'a') * 4 + 1);
	if (c >= '0' && c <= '9')
		return (unsigned short)(500 + (c - '0'));
	/* Anything else: after the letters, by code point. */
	return (unsigned short)(2000 + (c & 0x3fff));
}

static void add_mark(word_key *k, utf8proc_int32_t mark)
{
	switch (mark) {
	case 0x0306: /* breve: ă */
		if (k->n)
			k->letter[k->n - 1] += 1;
		break;
	case 0x0302: /* circumflex: â ê ô */
		if (k->n)
			k->letter[k->n - 1] += 2;
		break;
	case 0x031B: /* horn: ơ ư */
		if (k->n)
			k->letter[k->n - 1] += 3;
		break;
	case 0x0300: k->tone = 1; break;
	case 0x0309: k->tone = 2; break;
	case 0x0303: k->tone = 3; break;
	case 0x0301: k->tone = 4; break;
	case 0x0323: k->tone = 5; break;
	default: break;
	}
}

/* Build the key of the word s[0..len). */
static void word_key_of(word_key *k, const char *s, size_t len)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t used;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	memset(k, 0, sizeof(*k));
	while (len > 0 && (used = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp)) > 0) {
		utf8proc_int32_t dec[8];
		int last = 0;
		utf8proc_ssize_t n = utf8proc_decompose_char(cp, dec, 8, UTF8PROC_DECOMPOSE, &last);
		for (utf8proc_ssize_t i = 0; i < n && i < 8; i++) {
			const utf8proc_property_t *prop = utf8proc_get_property(dec[i]);
			if (prop->combining_class != 0 || prop->category == UTF8PROC_CATEGORY_MN)
				add_mark(k, dec[i]);
			else if (k->n < MAX_LETTERS)
				k->letter[k->n++] = letter_rank(utf8proc_tolower(dec[i]));
		}
		p += used;
		len -= (size_t)used;
	}
}

static int compare_keys(const word_key *a, const word_key *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++)
		if (a->letter[i] != b->letter[i])
			return a->letter[i] < b->letter[i] ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return 0;
}

typedef struct {
	const char *start;
	size_t len;
} word;

/* Split on spaces; at most `max` words (the rest joins the last). */
static size_t split(const char *s, word *w, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		w[n].start = s;
		w[n].len = (size_t)(e - s);
		n++;
		s = e;
	}
	return n;
}

/* A word is compared whole - letters, then tone - before the next word is looked at. */
static int compare_words(const word *x, const word *y)
{
	word_key a, b;
	word_key_of(&a, x->start, x->len);
	word_key_of(&b, y->start, y->len);
	int d = compare_keys(&a, &b);
	if (d == 0 && a.tone != b.tone)
		d = a.tone < b.tone ? -1 : 1;
	return d;
}

/* Same letters and tones everywhere: only case or Unicode form can differ. Compare the NFC bytes. */
static int tie_break(const char *a, const char *b)
{
	utf8proc_uint8_t *na = utf8proc_NFC((const utf8proc_uint8_t *)a), *nb = utf8proc_NFC((const utf8proc_uint8_t *)b);
	int d = (na && nb) ? strcmp((const char *)na, (const char *)nb) : strcmp(a, b);
	free(na);
	free(nb);
	return d;
}

int bt_vi_name_compare(const char *a, const char *b)
{
	word wa[16], wb[16];
	size_t na = split(a, wa, 16), nb = split(b, wb, 16);
	int d;
	/* Given name (last word) first. */
	if (na && nb && (d = compare_words(&wa[na - 1], &wb[nb - 1])) != 0)
		return d;
	if (!na || !nb) {
		if (na != nb)
			return na < nb ? -1 : 1;
		return tie_break(a, b);
	}
	/* Then the middle names, left to right; fewer middle names first. */
	size_t ma = na > 2 ? na - 2 : 0, mb = nb > 2 ? nb - 2 : 0;
	for (size_t i = 0; i < ma && i < mb; i++)
		if ((d = compare_words(&wa[1 + i], &wb[1 + i])) != 0)
			return d;
	if (ma != mb)
		return ma < mb ? -1 : 1;
	/* Then the family name. */
	if (na > 1 && nb > 1 && (d = compare_words(&wa[0], &wb[0])) != 0)
		return d;
	if (na != nb)
		return na < nb ? -1 : 1;
	return tie_break(a, b);
}
