<?xml version="1.0"?>
<!--
  SPDX-License-Identifier: Apache-2.0
  Man page stylesheet: the stock DocBook one with quieter output and no
  AUTHOR/COPYRIGHT boilerplate sections.
-->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">
  <xsl:import href="http://docbook.sourceforge.net/release/xsl/current/manpages/docbook.xsl"/>
  <xsl:param name="man.output.quietly" select="1"/>
  <xsl:param name="man.authors.section.enabled" select="0"/>
  <xsl:param name="man.copyright.section.enabled" select="0"/>
  <xsl:param name="refentry.meta.get.quietly" select="1"/>
  <xsl:param name="man.charmap.use.subset" select="1"/>
</xsl:stylesheet>
