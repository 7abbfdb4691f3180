#!/usr/bin/env Rscript
# R's multilevel (and psych) values of ICC(1), ICC(2) and r_wg(j) for tests/test_linkage.py.
#
# Regenerate (from the repository root): Rscript tests/reference/make_agreement.R
# Needs the R packages multilevel, psych and jsonlite. The data are simulated here with a
# fixed seed and written into the JSON beside the results, so Python reads exactly the
# numbers R used: 30 groups of unequal size (3-25 people), a 4-item 1-5 scale whose
# group effect gives an ICC(1) around .2.
suppressPackageStartupMessages({
  library(multilevel)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

set.seed(20261203)
n_groups <- 30
sizes <- sample(3:25, n_groups, replace = TRUE)
grp <- rep(seq_len(n_groups), sizes)
u <- rnorm(n_groups, 0, 0.5)[grp]
person <- rnorm(length(grp))
cut5 <- function(x) as.integer(cut(x, c(-Inf, -1.75, -0.85, 0, 1.05, Inf)))
items <- sapply(1:4, function(j) cut5(0.8 * (u + person) / sqrt(1.25) + 0.6 * rnorm(length(grp))))
colnames(items) <- paste0("x", 1:4)
score <- rowMeans(items)

fit <- aov(score ~ as.factor(grp))
rwg <- rwg.j(items, grp, ranvar = 2)
sb <- statsBy(data.frame(grp = grp, score = score, x1 = items[, 1]), group = "grp")

out <- list(
  call = c(
    "multilevel::ICC1(aov(score ~ as.factor(grp)))",
    "multilevel::ICC2(aov(score ~ as.factor(grp)))",
    "multilevel::rwg.j(items, grp, ranvar = 2)",
    "psych::statsBy(data.frame(grp, score, x1), group = 'grp')$ICC1['score'] / $ICC2['score']"
  ),
  multilevel_version = as.character(packageVersion("multilevel")),
  psych_version = as.character(packageVersion("psych")),
  data = list(group = grp, x1 = items[, 1], x2 = items[, 2], x3 = items[, 3], x4 = items[, 4]),
  icc1 = ICC1(fit),
  icc2 = ICC2(fit),
  psych_icc1 = unname(sb$ICC1["score"]),
  psych_icc2 = unname(sb$ICC2["score"]),
  rwg_j_group = as.character(rwg$grpid),
  rwg_j = rwg$rwg.j
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "agreement.json"))
