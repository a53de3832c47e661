// SPDX-License-Identifier: Apache-2.0
#ifndef CUNSHARE_FACTS_H
#define CUNSHARE_FACTS_H

/* Facts for the failure hints (Hints/SystemFacts.swift); read in the parent only. */

/* 1 when `path` carries file capabilities (a security.capability attribute), else 0. */
int cu_has_file_capabilities(const char *path);

#endif
