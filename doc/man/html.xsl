<?xml version="1.0"?>
<!--
  SPDX-License-Identifier: Apache-2.0
  HTML stylesheet: one page per document, links to the other pages by name.
-->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">
  <xsl:import href="http://docbook.sourceforge.net/release/xsl/current/html/docbook.xsl"/>
  <xsl:param name="generate.toc" select="''"/>
  <xsl:param name="refentry.generate.name" select="1"/>
  <xsl:param name="html.stylesheet" select="''"/>
  <xsl:param name="citerefentry.link" select="1"/>
  <xsl:template name="generate.citerefentry.link">
    <xsl:value-of select="refentrytitle"/>
    <xsl:text>.html</xsl:text>
  </xsl:template>
</xsl:stylesheet>
